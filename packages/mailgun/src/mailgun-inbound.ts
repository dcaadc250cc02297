import {
  AnymailWebhookValidationFailure,
  constructInboundMime,
  createInboundEvent,
  createInboundWebhook,
  formBytes,
  formJson,
  formText,
  formToObject,
  headerValue,
  isFormRequest,
  misroutedWebhook,
  parseEventTime,
  parseInboundMime,
  parseSpamScore,
  requestForm,
  sharedInboundOptions,
  type AnymailInboundEvent,
  type InboundExtras,
  type InboundFieldAttachment,
  type InboundHeader,
  type InboundWebhook,
  type InboundWebhookOptions,
} from '@anymail/core';
import { mailgunSignedWebhook, verifyMailgunSignature, type MailgunTrackingWebhookOptions } from './mailgun-webhook.js';

/** The signature options of the tracking webhook (`webhookSigningKey`, window, replay cache, clock). */
type MailgunSignatureOptions = Pick<
  MailgunTrackingWebhookOptions,
  'webhookSigningKey' | 'timestampToleranceSeconds' | 'replayCache' | 'now' | 'env'
>;

export interface MailgunInboundWebhookOptions extends InboundWebhookOptions, MailgunSignatureOptions {}

const ESP_NAME = 'Mailgun';
const ROUTE_SETTING = 'your Mailgun webhook (the tracking one, in Sending > Webhooks)';

/**
 * Mailgun inbound mail (Receiving > Routes, a `forward("https://…")` or `store(notify="https://…")` action).
 * Checked like tracking webhooks: HMAC signature with the webhook signing key, timestamp window, token
 * replay cache. Takes both formats Mailgun posts: raw MIME (`body-mime`, when the URL ends in `mime`)
 * and fully parsed fields (`body-plain`, `message-headers`, `attachment-N`, ...).
 */
export function inboundWebhook(options: MailgunInboundWebhookOptions = {}): InboundWebhook {
  const signed = mailgunSignedWebhook({
    webhookSigningKey: options.webhookSigningKey,
    timestampToleranceSeconds: options.timestampToleranceSeconds,
    replayCache: options.replayCache,
    now: options.now,
    env: options.env,
  });
  return createInboundWebhook<FormData>({
    espName: ESP_NAME,
    esp: 'mailgun',
    ...sharedInboundOptions(options),
    // Routes post forms; JSON is accepted only to recognise a tracking event sent here by mistake.
    contentTypes: ['multipart/form-data', 'application/x-www-form-urlencoded', 'application/json'],
    async readEnvelope(request) {
      if (!isFormRequest(request)) {
        const body = request.json() as Record<string, unknown> | null;
        if (typeof body === 'object' && body !== null && 'event-data' in body) throw misroutedWebhook(ESP_NAME, 'tracking', ROUTE_SETTING);
        throw new AnymailWebhookValidationFailure('Mailgun inbound posts are forms (multipart/form-data or urlencoded)', {
          statusCode: 400,
          espName: ESP_NAME,
        });
      }
      return requestForm(request, ESP_NAME);
    },
    async verify(form, request) {
      const signature = {
        timestamp: formText(form, 'timestamp'),
        token: formText(form, 'token'),
        signature: formText(form, 'signature'),
        parentSignature: formText(form, 'parent-signature'),
      };
      await verifyMailgunSignature(signed, { signature, form }, request);
      if (form.has('event') && !form.has('body-mime') && !form.has('body-plain')) throw misroutedWebhook(ESP_NAME, 'tracking', ROUTE_SETTING);
    },
    parseEvents: async (form) => [await mailgunInboundEvent(form)],
  });
}

/** Map one verified routes post. */
export async function mailgunInboundEvent(form: FormData): Promise<AnymailInboundEvent> {
  const envelope = (headers: readonly InboundHeader[]): InboundExtras => ({
    envelopeSender: formText(form, 'sender') || undefined,
    envelopeRecipient: formText(form, 'recipient') || undefined,
    // Mailgun's own spam filter, when enabled for the domain.
    spamScore: parseSpamScore(headerValue(headers, 'x-mailgun-sscore')),
    spamDetected: spamFlag(headerValue(headers, 'x-mailgun-sflag')),
    strippedText: formText(form, 'stripped-text') || undefined,
    strippedHtml: formText(form, 'stripped-html') || undefined,
    strippedSignature: formText(form, 'stripped-signature') || undefined,
  });
  const raw = await formBytes(form, 'body-mime');
  const message = raw ? await parseInboundMime(raw, envelope, ESP_NAME) : await constructInboundMime(await parsedFields(form), envelope, ESP_NAME);
  return createInboundEvent({
    espName: ESP_NAME,
    espEvent: formToObject(form),
    timestamp: parseEventTime(formText(form, 'timestamp')),
    eventId: formText(form, 'token') || undefined,
    message,
  });
}

function spamFlag(value: string | undefined): boolean | undefined {
  const flag = value?.trim().toLowerCase();
  return flag === 'yes' ? true : flag === 'no' ? false : undefined;
}

/** The fully parsed format: headers from `message-headers`, bodies, and `attachment-N` uploads with `content-id-map`. */
async function parsedFields(form: FormData) {
  const headerList = formJson(form, 'message-headers');
  const headers = Array.isArray(headerList)
    ? headerList.filter((pair): pair is [string, string] => Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string')
    : [];
  const cidMap = formJson(form, 'content-id-map');
  const cidByField = new Map<string, string>();
  if (typeof cidMap === 'object' && cidMap !== null) {
    for (const [cid, field] of Object.entries(cidMap)) if (typeof field === 'string') cidByField.set(field, cid.replace(/^<|>$/g, ''));
  }
  const attachments: InboundFieldAttachment[] = [];
  for (const [name, value] of form.entries()) {
    if (!/^attachment-\d+$/.test(name) || typeof value === 'string') continue;
    attachments.push({
      filename: value.name || undefined,
      contentType: value.type || undefined,
      content: new Uint8Array(await value.arrayBuffer()),
      contentId: cidByField.get(name),
    });
  }
  const field = (name: string) => formText(form, name) || undefined;
  return {
    headers,
    from: field('from'),
    subject: field('subject'),
    text: field('body-plain'),
    html: field('body-html'),
    attachments,
  };
}
