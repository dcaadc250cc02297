import {
  AnymailConfigurationError,
  AnymailWebhookValidationFailure,
  constructInboundMime,
  createInboundEvent,
  createInboundWebhook,
  misroutedWebhook,
  sharedInboundOptions,
  type AnymailInboundEvent,
  type InboundFieldAttachment,
  type InboundFields,
  type InboundWebhook,
  type InboundWebhookOptions,
} from '@anymail/core';
import { resolveBrevoApi } from './brevo-options.js';
import { brevoWebhookAuth, type BrevoWebhookAuthOptions } from './brevo-webhook-auth.js';

/** Fetch API function, as `fetch` (tests pass one that msw sees, or a stub server's). */
export type BrevoFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface BrevoInboundWebhookOptions extends InboundWebhookOptions, BrevoWebhookAuthOptions {
  /**
   * Brevo posts attachment metadata only; each file is fetched from
   * `GET /v3/inbound/attachments/{DownloadToken}` with this API key.
   * Env: `BREVO_API_KEY` or `ANYMAIL_BREVO_API_KEY`. Not needed with `fetchAttachments: false`.
   */
  apiKey?: string;
  /** @default 'https://api.brevo.com/v3/' (env `BREVO_API_URL` or `ANYMAIL_BREVO_API_URL`) */
  apiUrl?: string;
  /**
   * Download attachments while handling the post (Brevo retries the post when a download fails).
   * `false` leaves them out of `message.attachments`/`inlines`; their `DownloadToken`s stay in `espEvent`.
   * @default true
   */
  fetchAttachments?: boolean;
  /** The Fetch API function attachments are downloaded with. @default globalThis.fetch */
  fetch?: BrevoFetch;
  /** Time allowed for each attachment download. @default 30000 */
  attachmentTimeoutMs?: number;
  /**
   * Largest attachment downloaded, in bytes: a bigger one stops the download and the post is
   * refused (HTTP 413) naming this option, instead of being read into memory whole.
   * @default 26214400 (25 MiB)
   */
  maxAttachmentBytes?: number;
}

/** Default `maxAttachmentBytes`. */
export const BREVO_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

const ESP_NAME = 'Brevo';
type Json = Record<string, unknown>;

/**
 * Brevo inbound parsing webhook (`POST /v3/webhooks` with `type: 'inbound'` and your receiving
 * domain). Each post is `{"items": [...]}`, one item per received message; each becomes one
 * inbound event. Brevo signs nothing: `webhookSecret` (basic auth in the URL) or
 * `webhookToken` is required, as for tracking.
 * https://developers.brevo.com/docs/inbound-parse-webhooks
 */
export function inboundWebhook(options: BrevoInboundWebhookOptions = {}): InboundWebhook {
  const auth = brevoWebhookAuth(options, 'inbound webhook');
  const download = options.fetchAttachments === false ? undefined : attachmentDownloader(options);
  return createInboundWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'brevo',
    ...sharedInboundOptions(options),
    webhookSecret: auth.pipelineSecret,
    requireBasicAuth: auth.requireBasicAuth,
    contentTypes: ['application/json'],
    readEnvelope(request) {
      auth.check?.(request);
      return request.json();
    },
    async parseEvents(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new AnymailWebhookValidationFailure('Brevo inbound body must be a JSON object with "items"', { statusCode: 400, espName: ESP_NAME });
      }
      const items = (body as Json).items;
      if (items === undefined && 'event' in body) {
        throw misroutedWebhook(ESP_NAME, 'tracking', 'the transactional webhook URL (Transactional → Settings → Webhook)');
      }
      if (!Array.isArray(items) || items.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) {
        throw new AnymailWebhookValidationFailure('Brevo inbound body must have an "items" array of objects', { statusCode: 400, espName: ESP_NAME });
      }
      const events: AnymailInboundEvent[] = [];
      for (const item of items as Json[]) events.push(await brevoInboundEvent(item, download));
      return events;
    },
  });
}

/** How one attachment's bytes are fetched from its DownloadToken. */
export type BrevoAttachmentDownloader = (token: string) => Promise<{ content: Uint8Array; contentType: string | undefined }>;

function attachmentDownloader(options: BrevoInboundWebhookOptions): BrevoAttachmentDownloader {
  const { apiKey, apiUrl } = resolveBrevoApi({ apiKey: options.apiKey, apiUrl: options.apiUrl, env: options.env });
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = options.attachmentTimeoutMs ?? 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new AnymailConfigurationError(`Brevo attachmentTimeoutMs must be a positive number of milliseconds (got ${String(timeoutMs)})`, {
      espName: ESP_NAME,
    });
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new AnymailConfigurationError('Brevo inboundWebhook fetch must be a Fetch API function', { espName: ESP_NAME });
  }
  const maxBytes = options.maxAttachmentBytes ?? BREVO_MAX_ATTACHMENT_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new AnymailConfigurationError(`Brevo maxAttachmentBytes must be a positive whole number of bytes (got ${String(maxBytes)})`, {
      espName: ESP_NAME,
    });
  }
  return async (token) => {
    const url = new URL(`inbound/attachments/${encodeURIComponent(token)}`, apiUrl);
    const response = await fetchFn(url, { headers: { 'api-key': apiKey, accept: '*/*' }, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      // Not a validation failure: answered 500, so Brevo posts again and the download is retried.
      throw new Error(`Brevo answered ${response.status} to GET ${url.pathname} (inbound attachment)`);
    }
    return { content: await readCapped(response, maxBytes), contentType: response.headers.get('content-type') ?? undefined };
  };
}

function tooLarge(maxBytes: number): AnymailWebhookValidationFailure {
  return new AnymailWebhookValidationFailure(
    `Brevo inbound attachment is larger than maxAttachmentBytes (${maxBytes} bytes); raise maxAttachmentBytes, or pass fetchAttachments: false`,
    { statusCode: 413, espName: ESP_NAME },
  );
}

/** The body, read chunk by chunk and stopped past `maxBytes` (a Content-Length over it stops before reading). */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(maxBytes);
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Map one item of a Brevo inbound post (downloading its attachments unless `download` is undefined). */
export async function brevoInboundEvent(item: Json, download: BrevoAttachmentDownloader | undefined): Promise<AnymailInboundEvent> {
  const fields = fieldsOf(item);
  const attachments: InboundFieldAttachment[] = [];
  if (download) {
    for (const entry of Array.isArray(item.Attachments) ? (item.Attachments as unknown[]) : []) {
      const attachment = (entry ?? {}) as Json;
      const token = str(attachment.DownloadToken);
      if (token === undefined) continue;
      const { content, contentType } = await download(token);
      // The declared ContentType has no charset; the download's Content-Type may (prefer it).
      attachments.push({ filename: str(attachment.Name), contentType: contentType ?? str(attachment.ContentType), content, contentId: str(attachment.ContentID) });
    }
  }
  const headers = fields.headers ?? [];
  const header = (name: string) => headers.find(([key]) => key.toLowerCase() === name)?.[1];
  const unbracket = (value: string | undefined) => value?.trim().replace(/^<|>$/g, '') || undefined;
  const spamScore = typeof item.SpamScore === 'number' ? item.SpamScore : undefined;
  const message = await constructInboundMime(
    { ...fields, attachments },
    {
      envelopeSender: unbracket(header('return-path')),
      envelopeRecipient: unbracket(header('delivered-to')),
      strippedText: str(item.ExtractedMarkdownMessage),
      strippedSignature: str(item.ExtractedMarkdownSignature),
      spamScore,
    },
    ESP_NAME,
  );
  return createInboundEvent({
    espName: ESP_NAME,
    espEvent: item,
    timestamp: undefined, // Brevo gives only the sender's date (message.date)
    // "Uuid": documented as the recipients' UUIDs; one per received message in practice (django-anymail).
    eventId: Array.isArray(item.Uuid) ? str(item.Uuid[0]) : undefined,
    message,
  });
}

function fieldsOf(item: Json): InboundFields {
  const headers: [string, string][] = [];
  const given = typeof item.Headers === 'object' && item.Headers !== null && !Array.isArray(item.Headers) ? (item.Headers as Json) : {};
  for (const [name, value] of Object.entries(given)) {
    // A repeated header (Received) comes as an array of its values.
    for (const one of Array.isArray(value) ? value : [value]) if (typeof one === 'string') headers.push([name, one]);
  }
  return {
    headers,
    from: addressList([item.From]),
    to: addressList(item.To),
    cc: addressList(item.Cc),
    replyTo: addressList(item.ReplyTo === null || item.ReplyTo === undefined ? undefined : [item.ReplyTo].flat()),
    subject: str(item.Subject),
    date: str(item.SentAtDate),
    messageId: str(item.MessageId),
    text: str(item.RawTextBody),
    html: str(item.RawHtmlBody),
  };
}

/** `"Name" <address>, ...` from Brevo's `{Name, Address}` objects. */
function addressList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const parts = value.flatMap((entry) => {
    const { Address, Name } = (entry ?? {}) as Json;
    if (typeof Address !== 'string' || Address === '') return [];
    return [typeof Name === 'string' && Name !== '' ? `"${Name.replace(/["\\]/g, '\\$&')}" <${Address}>` : Address];
  });
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
