import { createHmac } from 'node:crypto';
import {
  AnymailWebhookValidationFailure,
  SignedWebhook,
  constantTimeEqual,
  loadWebhookKeys,
  type WebhookRequest,
} from '@anymail/core';

const ESP_NAME = 'MailerSend';
/** The header MailerSend's webhooks carry the signature in (the docs, and the signed SDK fixture). */
export const MAILERSEND_SIGNATURE_HEADER = 'signature';
/** The name MailerSend's Node SDK README reads it under; accepted too (the same HMAC either way). */
const SDK_SIGNATURE_HEADER = 'x-mailersend-signature';

/** Which secret a handler checks: the webhook's signing secret, or the inbound route's secret. */
export interface MailerSendSecretSetting {
  name: 'signingSecret' | 'inboundSecret';
  value: string | readonly string[] | undefined;
  env: NodeJS.ProcessEnv | undefined;
  hint: string;
}

/**
 * The secrets one handler accepts (several: rotation, or one handler for several webhooks),
 * from the option, `configure({ anymail: { mailersend } })` or env `MAILERSEND_<NAME>` /
 * `ANYMAIL_MAILERSEND_<NAME>` (comma-separated). Required: MailerSend signs every post.
 */
export function mailerSendSigner(setting: MailerSendSecretSetting): SignedWebhook<string> {
  const keys = loadWebhookKeys({
    esp: 'mailersend',
    espName: ESP_NAME,
    name: setting.name,
    value: setting.value,
    env: setting.env,
    required: true,
    hint: setting.hint,
  });
  // MailerSend signs no timestamp: the window below is never consulted (no replay check is possible).
  return new SignedWebhook({ espName: ESP_NAME, esp: 'mailersend', keys, defaultToleranceSeconds: 300 });
}

/**
 * MailerSend's check: `Signature` = lower-case hex HMAC-SHA256 of the raw body, keyed with the
 * secret's UTF-8 bytes. Every secret is tried, each in constant time. Throws 400 when none matches.
 */
export function verifyMailerSendSignature(signer: SignedWebhook<string>, request: WebhookRequest, settingName: string): void {
  const given = (request.headers.get(MAILERSEND_SIGNATURE_HEADER) ?? request.headers.get(SDK_SIGNATURE_HEADER) ?? '').trim().toLowerCase();
  const valid =
    given !== '' &&
    signer.anyKeyVerifies((key) => constantTimeEqual(createHmac('sha256', key).update(request.rawBody).digest('hex'), given));
  if (!valid) {
    throw new AnymailWebhookValidationFailure(
      `MailerSend webhook signature is missing or invalid (check ${settingName}, and pass the raw body bytes unchanged)`,
      { statusCode: 400, espName: ESP_NAME },
    );
  }
}
