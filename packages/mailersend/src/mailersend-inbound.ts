import {
  AnymailWebhookValidationFailure,
  constructInboundMime,
  createInboundEvent,
  createInboundWebhook,
  misroutedWebhook,
  parseEventTime,
  parseInboundMime,
  sharedInboundOptions,
  type AnymailInboundEvent,
  type InboundExtras,
  type InboundFields,
  type InboundWebhook,
  type InboundWebhookOptions,
} from '@anymail/core';
import { mailerSendSigner, verifyMailerSendSignature } from './mailersend-signature.js';

export interface MailerSendInboundWebhookOptions extends InboundWebhookOptions {
  /**
   * The inbound route's secret (Domains > Inbound routing > the route's page, below the endpoint
   * URL). It is not the activity webhook's signing secret. A list accepts any of them (rotation, or
   * one handler for several routes). Required: MailerSend signs every inbound post.
   * Env: `MAILERSEND_INBOUND_SECRET` or `ANYMAIL_MAILERSEND_INBOUND_SECRET` (comma-separated for several).
   */
  inboundSecret?: string | readonly string[];
}

const ESP_NAME = 'MailerSend';
type Json = Record<string, unknown>;

/**
 * MailerSend inbound route endpoint ("Route to" a webhook URL): `Signature` checked like the
 * activity webhook's (with the route's own secret), then the message parsed from `data.raw` (the
 * full MIME). MailerSend waits 3 s and does not retry inbound posts: keep receivers fast (queue
 * the work) or mail that arrives while the app is down is lost.
 */
export function inboundWebhook(options: MailerSendInboundWebhookOptions = {}): InboundWebhook {
  const signer = mailerSendSigner({
    name: 'inboundSecret',
    value: options.inboundSecret,
    env: options.env,
    hint: "copy the inbound route's secret from MailerSend (Domains > Inbound routing).",
  });
  return createInboundWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'mailersend',
    ...sharedInboundOptions(options),
    contentTypes: ['application/json'],
    readEnvelope: (request) => request.json(),
    verify: (_body, request) => verifyMailerSendSignature(signer, request, 'inboundSecret (env MAILERSEND_INBOUND_SECRET)'),
    async parseEvents(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new AnymailWebhookValidationFailure('MailerSend inbound body must be a JSON object', { statusCode: 400, espName: ESP_NAME });
      }
      const type = (body as Json).type;
      if (type !== 'inbound.message') {
        if (typeof type === 'string' && type.startsWith('activity.')) {
          throw misroutedWebhook(ESP_NAME, 'tracking', "the activity webhook's endpoint URL (Domains > Webhooks)");
        }
        throw new AnymailWebhookValidationFailure(
          `MailerSend inbound post has type ${JSON.stringify(type)}, not "inbound.message"`,
          { statusCode: 400, espName: ESP_NAME },
        );
      }
      return [await mailerSendInboundEvent(body as Json)];
    },
  });
}

/** Map one `inbound.message` post. */
export async function mailerSendInboundEvent(post: Json): Promise<AnymailInboundEvent> {
  const data = obj(post.data);
  const recipients = obj(data.recipients);
  const rcptTo = Array.isArray(recipients.rcptTo) ? recipients.rcptTo : [];
  const extras: InboundExtras = {
    envelopeSender: str(obj(data.sender).email),
    // The same message to several inbound addresses lists each: the first is this delivery's.
    envelopeRecipient: rcptTo.map((entry) => str(obj(entry).email)).find(Boolean),
    // MailerSend posts no spam verdict (spf_check / dkim_check only, in espEvent).
  };
  const raw = str(data.raw);
  const message = raw ? await parseInboundMime(raw, extras, ESP_NAME) : await constructInboundMime(fieldsOf(data), extras, ESP_NAME);
  return createInboundEvent({
    espName: ESP_NAME,
    espEvent: post,
    timestamp: parseEventTime(data.created_at) ?? parseEventTime(post.created_at),
    eventId: str(data.id),
    message,
  });
}

/** Without `raw`: the message put back together from the parsed fields. */
function fieldsOf(data: Json): InboundFields {
  const headers = Object.entries(obj(data.headers)).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string').map((item) => [name, item] as const),
  );
  const attachments = (Array.isArray(data.attachments) ? data.attachments : []).flatMap((item) => {
    const attachment = obj(item);
    const content = str(attachment.content);
    if (content === undefined) return [];
    return [
      {
        filename: str(attachment.filename),
        contentType: str(attachment.content_type) ?? str(attachment.contentType),
        content: new Uint8Array(Buffer.from(content, 'base64')),
        contentId: str(attachment.content_id) ?? str(attachment.contentId),
      },
    ];
  });
  const from = obj(data.from);
  return {
    headers,
    from: str(from.raw) ?? str(from.email),
    to: str(obj(obj(data.recipients).to).raw),
    subject: str(data.subject),
    date: str(data.date),
    text: str(data.text),
    html: str(data.html),
    attachments,
  };
}

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
