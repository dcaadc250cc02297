import {
  AnymailWebhookValidationFailure,
  constructInboundMime,
  createInboundEvent,
  createInboundWebhook,
  headerValue,
  misroutedWebhook,
  parseInboundMime,
  sharedInboundOptions,
  type AnymailInboundEvent,
  type InboundExtras,
  type InboundFields,
  type InboundHeader,
  type InboundWebhook,
  type InboundWebhookOptions,
} from '@anymail/core';

/** Postmark signs nothing: basic auth (`webhookSecret`, required) is the only check, as for tracking. */
export type PostmarkInboundWebhookOptions = InboundWebhookOptions;

const ESP_NAME = 'Postmark';
type Json = Record<string, unknown>;
/**
 * With "include raw email content" each attachment is in the JSON twice, base64-encoded (`RawEmail`
 * and `Attachments`): a 25 MB attachment makes a ~70 MB post. The body is read only after the basic
 * auth check passes, so a larger default cap costs nothing against unauthenticated clients.
 */
const POSTMARK_INBOUND_MAX_BODY_BYTES = 96 * 1024 * 1024;

/**
 * Postmark inbound webhook (the inbound message stream's webhook URL, with the basic-auth credentials in it).
 * Uses `RawEmail` when "Include raw email content in JSON payload" is on; otherwise the message is put
 * together from the JSON fields (headers, bodies, attachments). Postmark retries any answer but 200
 * (and stops on 403).
 */
export function inboundWebhook(options: PostmarkInboundWebhookOptions = {}): InboundWebhook {
  return createInboundWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'postmark',
    requireBasicAuth: true,
    ...sharedInboundOptions(options),
    maxBodyBytes: options.maxBodyBytes ?? POSTMARK_INBOUND_MAX_BODY_BYTES,
    contentTypes: ['application/json'],
    readEnvelope: (request) => request.json(),
    async parseEvents(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new AnymailWebhookValidationFailure('Postmark inbound body must be a JSON object', { statusCode: 400, espName: ESP_NAME });
      }
      if ('RecordType' in body) throw misroutedWebhook(ESP_NAME, 'tracking', "the Postmark server's tracking webhook URL");
      return [await postmarkInboundEvent(body as Json)];
    },
  });
}

/** Whether a Postmark JSON post is an inbound message (no RecordType; the inbound stream's fields). */
export function isPostmarkInbound(body: Json): boolean {
  return !('RecordType' in body) && (body.MessageStream === 'inbound' || 'FromFull' in body || 'RawEmail' in body);
}

/** Map one Postmark inbound JSON post. */
export async function postmarkInboundEvent(data: Json): Promise<AnymailInboundEvent> {
  const extras = (headers: readonly InboundHeader[]): InboundExtras => ({
    envelopeSender: headerValue(headers, 'return-path')?.replace(/^\s*<|>\s*$/g, '') || undefined,
    envelopeRecipient: str(data.OriginalRecipient),
    strippedText: str(data.StrippedTextReply),
    // Spam score and verdict: SpamAssassin's X-Spam-Score / X-Spam-Status headers, which Postmark passes on.
  });
  const raw = str(data.RawEmail);
  const message = raw ? await parseInboundMime(raw, extras, ESP_NAME) : await constructInboundMime(fieldsOf(data), extras, ESP_NAME);
  return createInboundEvent({
    espName: ESP_NAME,
    espEvent: data,
    timestamp: undefined, // Postmark gives only the sender's Date header (message.date)
    eventId: str(data.MessageID),
    message,
  });
}

function fieldsOf(data: Json): InboundFields {
  const headers = Array.isArray(data.Headers)
    ? (data.Headers as unknown[]).flatMap((header) => {
        const { Name, Value } = (header ?? {}) as Json;
        return typeof Name === 'string' && typeof Value === 'string' ? [[Name, Value] as const] : [];
      })
    : [];
  const attachments = Array.isArray(data.Attachments)
    ? (data.Attachments as unknown[]).map((item) => {
        const attachment = (item ?? {}) as Json;
        return {
          filename: str(attachment.Name),
          contentType: str(attachment.ContentType),
          content: new Uint8Array(Buffer.from(str(attachment.Content) ?? '', 'base64')),
          contentId: str(attachment.ContentID),
        };
      })
    : [];
  return {
    headers,
    from: addressList([data.FromFull]) ?? str(data.From),
    to: addressList(data.ToFull) ?? str(data.To),
    cc: addressList(data.CcFull) ?? str(data.Cc),
    replyTo: str(data.ReplyTo),
    subject: str(data.Subject),
    date: str(data.Date),
    text: str(data.TextBody),
    html: str(data.HtmlBody),
    attachments,
  };
}

/** `"Name" <email>, ...` from Postmark's *Full address objects (more reliable than its display strings). */
function addressList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const parts = value.flatMap((entry) => {
    const { Email, Name } = (entry ?? {}) as Json;
    if (typeof Email !== 'string' || Email === '') return [];
    return [typeof Name === 'string' && Name !== '' ? `"${Name.replace(/["\\]/g, '\\$&')}" <${Email}>` : Email];
  });
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
