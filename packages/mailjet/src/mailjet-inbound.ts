import {
  AnymailWebhookValidationFailure,
  constructInboundMime,
  createInboundEvent,
  createInboundWebhook,
  misroutedWebhook,
  parseSpamScore,
  sharedInboundOptions,
  type AnymailInboundEvent,
  type InboundFieldAttachment,
  type InboundWebhook,
  type InboundWebhookOptions,
} from '@anymail/core';
import { readMailjetJson } from './mailjet-json.js';

/** Mailjet signs nothing: basic auth (`webhookSecret`, required) is the only check, as for tracking. */
export type MailjetInboundWebhookOptions = InboundWebhookOptions;

const ESP_NAME = 'Mailjet';
type Json = Record<string, unknown>;

/**
 * Mailjet Parse API webhook (the `Url` of a `POST /v3/REST/parseroute`, with basic-auth credentials
 * in it: `https://user:pass@host/path`). Mailjet posts one JSON object per received email: parsed
 * headers, the text and HTML parts, and each attachment base64-encoded under the key its
 * `Parts[].ContentRef` names (`Attachment1`, …). Mailjet gives no raw MIME, so the message is put
 * together from those fields. https://dev.mailjet.com/email/guides/parse-api/
 */
export function inboundWebhook(options: MailjetInboundWebhookOptions = {}): InboundWebhook {
  return createInboundWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'mailjet',
    requireBasicAuth: true,
    ...sharedInboundOptions(options),
    contentTypes: ['application/json'],
    readEnvelope: (request) => readMailjetJson(request.text, 'inbound'),
    async parseEvents(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body) || 'event' in body) {
        if (Array.isArray(body) || (typeof body === 'object' && body !== null && 'event' in body)) {
          throw misroutedWebhook(ESP_NAME, 'tracking', 'the Event API callback URL (eventcallbackurl)');
        }
        throw new AnymailWebhookValidationFailure('Mailjet inbound body must be a JSON object', { statusCode: 400, espName: ESP_NAME });
      }
      return [await mailjetInboundEvent(body as Json)];
    },
  });
}

/** Whether a Mailjet JSON post is a Parse API message (no `event`; the Parse API's fields). */
export function isMailjetInbound(body: Json): boolean {
  return !('event' in body) && ('Parts' in body || ('Sender' in body && 'Recipient' in body));
}

/** Map one Parse API post. */
export async function mailjetInboundEvent(data: Json): Promise<AnymailInboundEvent> {
  const headers = flattenHeaders(data.Headers);
  const parts = Array.isArray(data.Parts) ? (data.Parts as unknown[]) : [];
  const attachments = parts.flatMap((part) => attachmentOf(part, data));
  const message = await constructInboundMime(
    {
      headers,
      from: str(data.From),
      subject: str(data.Subject),
      text: str(data['Text-part']),
      html: str(data['Html-part']),
      attachments,
    },
    {
      envelopeSender: str(data.Sender),
      envelopeRecipient: str(data.Recipient),
      spamScore: parseSpamScore(str(data.SpamAssassinScore)),
    },
    ESP_NAME,
  );
  return createInboundEvent({
    espName: ESP_NAME,
    espEvent: data,
    // `Date` (e.g. 20150410T160638) carries no time zone, and Mailjet gives no id for the post.
    timestamp: undefined,
    eventId: undefined,
    message,
  });
}

/** Mailjet's headers: `{name: value}` for single ones, `{name: [values]}` for repeated ones → ordered pairs. */
function flattenHeaders(value: unknown): [string, string][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value as Json).flatMap(([name, item]) => {
    const values = Array.isArray(item) ? item : [item];
    return values.filter((entry): entry is string => typeof entry === 'string').map((entry) => [name, entry] as [string, string]);
  });
}

/** One `Parts[]` entry whose ContentRef names an attachment (`Attachment<N>`, `InlineAttachment<N>`). */
function attachmentOf(part: unknown, data: Json): InboundFieldAttachment[] {
  if (typeof part !== 'object' || part === null) return [];
  const { ContentRef, Headers } = part as Json;
  if (typeof ContentRef !== 'string' || !/Attachment\d+$/.test(ContentRef) || !Object.hasOwn(data, ContentRef)) return [];
  const content = data[ContentRef];
  if (typeof content !== 'string') return [];
  const partHeaders = new Map(flattenHeaders(Headers).map(([name, item]) => [name.toLowerCase(), item]));
  const contentType = partHeaders.get('content-type');
  const disposition = partHeaders.get('content-disposition');
  const contentId = partHeaders.get('content-id')?.trim().replace(/^<|>$/g, '') || undefined;
  return [
    {
      // Mailjet always base64-encodes attachment content.
      content: new Uint8Array(Buffer.from(content, 'base64')),
      contentType: contentType?.split(';')[0]!.trim() || undefined,
      filename: headerParameter(disposition, 'filename') ?? headerParameter(contentType, 'name'),
      contentId,
      inline: contentId !== undefined || /^\s*inline\b/i.test(disposition ?? '') || ContentRef.startsWith('Inline'),
    },
  ];
}

/** A parameter of a structured header (`filename="a b.txt"`, `name=x.txt`, RFC 2231 `filename*=utf-8''a%20b.txt`). */
function headerParameter(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const extended = new RegExp(`;\\s*${name}\\*=([^']*)'[^']*'([^;\\s]+)`, 'i').exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[2]!);
    } catch {
      return extended[2];
    }
  }
  const plain = new RegExp(`;\\s*${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(header);
  if (!plain) return undefined;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
