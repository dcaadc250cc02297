import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import {
  AnymailConfigurationError,
  AnymailWebhookValidationFailure,
  SignedWebhook,
  claimDigest,
  createTrackingEvent,
  createTrackingWebhook,
  isFormRequest,
  misroutedWebhook,
  loadWebhookKeys,
  parseEventTime,
  resolveWebhookSecrets,
  sharedWebhookOptions,
  type AnymailTrackingEvent,
  type SignedWebhookOptions,
  type TrackingWebhook,
  type TrackingWebhookOptions,
  type WebhookRequest,
} from '@anymail/core';
import {
  SENDGRID_DROP_REASONS,
  SENDGRID_EVENT_FIELDS,
  SENDGRID_EVENT_REJECT_REASONS,
  SENDGRID_EVENT_TYPES,
} from './sendgrid-event-map.js';

export interface SendGridTrackingWebhookOptions extends TrackingWebhookOptions, SignedWebhookOptions {
  /**
   * The Signed Event Webhook public key (base64 DER, as SendGrid shows it, or PEM); a list
   * accepts any of them (key rotation). Env SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY
   * (comma-separated for several).
   */
  verificationKey?: string | readonly string[];
  /** SendGrid documents no window; we refuse signatures older or newer than this. @default 600 (10 minutes) */
  timestampToleranceSeconds?: number;
}

const ESP_NAME = 'SendGrid';
const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';
type Json = Record<string, unknown>;

function importKey(key: string): KeyObject {
  try {
    return key.includes('-----BEGIN')
      ? createPublicKey(key)
      : createPublicKey({ key: Buffer.from(key.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new AnymailConfigurationError(
      'SendGrid verificationKey is not a valid public key: paste the "Verification Key" from the Signed Event Webhook settings',
      { espName: ESP_NAME, cause },
    );
  }
}

/** SendGrid Event Webhook: ECDSA P-256 signature over timestamp + raw body, one event per array item. */
export function trackingWebhook(options: SendGridTrackingWebhookOptions = {}): TrackingWebhook {
  const rawKeys = loadWebhookKeys({
    esp: 'sendgrid',
    espName: ESP_NAME,
    name: 'verificationKey',
    value: options.verificationKey,
    extraEnv: ['SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY'],
    env: options.env,
    required: false,
    hint: 'paste the "Verification Key" from the Signed Event Webhook settings.',
  });
  if (rawKeys.length === 0 && resolveWebhookSecrets('sendgrid', options.webhookSecret, options.env).length === 0) {
    throw new AnymailConfigurationError(
      'SendGrid tracking webhook needs verificationKey (env SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY) ' +
        'or webhookSecret (basic auth in the webhook URL); without one, anyone could post fake events.',
      { espName: ESP_NAME },
    );
  }
  const signed = new SignedWebhook({
    espName: ESP_NAME,
    esp: 'sendgrid',
    keys: rawKeys.map(importKey),
    defaultToleranceSeconds: 600,
    timestampToleranceSeconds: options.timestampToleranceSeconds,
    replayCache: options.replayCache,
    now: options.now,
  });

  return createTrackingWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'sendgrid',
    ...sharedWebhookOptions(options),
    // multipart/form-data only to recognise an Inbound Parse post sent here by mistake.
    contentTypes: ['application/json', 'multipart/form-data'],
    readEnvelope(request) {
      if (isFormRequest(request)) throw misroutedWebhook(ESP_NAME, 'inbound', 'the Inbound Parse settings (Settings > Inbound Parse)');
      return request.json();
    },
    verify: (_body, request) => (signed.keys.length === 0 ? undefined : verifySendGridSignature(signed, request)),
    parseEvents(body) {
      if (!Array.isArray(body)) {
        throw new AnymailWebhookValidationFailure('SendGrid webhook body must be a JSON array of events', {
          statusCode: 400,
        });
      }
      return body.map((event) => sendGridEvent(event as Json));
    },
  });
}

/** ECDSA over timestamp + raw body under any key, then the window, then a claim on what was signed. */
function verifySendGridSignature(signed: SignedWebhook<KeyObject>, request: WebhookRequest): Promise<void> {
  const signature = request.headers.get(SIGNATURE_HEADER) ?? '';
  const timestamp = request.headers.get(TIMESTAMP_HEADER) ?? '';
  const signedBytes = Buffer.concat([Buffer.from(timestamp, 'utf8'), request.rawBody]);
  const signatureBytes = Buffer.from(signature, 'base64');
  return signed.verify(request, {
    signatureValid: (key) => signature !== '' && cryptoVerify('sha256', signedBytes, key, signatureBytes),
    timestampMs: /^\d+$/.test(timestamp) ? Number(timestamp) * 1000 : Number.NaN,
    // Keyed on what was signed, not on the signature's spelling: base64 has several spellings of the
    // same bytes, and ECDSA has two valid signatures (r, s) and (r, n - s) for one message.
    claimKey: claimDigest(timestamp, request.rawBody),
    invalidMessage: 'SendGrid webhook signature is missing or invalid (check verificationKey, and pass the raw body bytes unchanged)',
  });
}

/** Map one SendGrid event object. */
export function sendGridEvent(data: Json): AnymailTrackingEvent {
  const event = String(data.event ?? '');
  const eventType = SENDGRID_EVENT_TYPES[event] ?? 'unknown';
  const reason = str(data.reason);
  const rejectReason =
    event === 'dropped'
      ? ((reason ? SENDGRID_DROP_REASONS[reason] : undefined) ?? 'other')
      : (SENDGRID_EVENT_REJECT_REASONS[`${event}:${String(data.type)}`] ?? SENDGRID_EVENT_REJECT_REASONS[event]);
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (!SENDGRID_EVENT_FIELDS.has(key)) metadata[key] = value;
  const category = data.category;
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: data,
    eventType,
    timestamp: parseEventTime(data.timestamp),
    eventId: str(data.sg_event_id),
    messageId: str(data.anymail_id) ?? str(data['smtp-id']),
    recipient: str(data.email),
    tags: Array.isArray(category) ? category.map(String) : typeof category === 'string' ? [category] : [],
    metadata,
    rejectReason,
    description: reason,
    mtaResponse: str(data.response) ?? (event === 'bounce' ? reason : undefined),
    userAgent: str(data.useragent),
    clickUrl: str(data.url),
  });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
