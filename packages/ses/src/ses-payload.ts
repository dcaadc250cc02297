import {
  deepMerge,
  defineEspFeatures,
  formatAddress,
  unsupported,
  type EspRequest,
  type JsonObject,
  type MessageFeatures,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core/esp';
import { EmailMessage, encodeRfc2047, toAsciiAddrSpec } from '@anymail/core';
import { buildSesBulkBody } from './ses-batch.js';
import type { SesExtra } from './ses-extra.js';
import { buildSimpleMime } from './ses-mime.js';
import type { SesSettings } from './ses-options.js';
import { buildSimpleContent, simpleAddress, type SesSimpleContent } from './ses-simple.js';

export const SEND_EMAIL_PATH = 'v2/email/outbound-emails';
export const SEND_BULK_EMAIL_PATH = 'v2/email/outbound-bulk-emails';

/** What the response parser needs: the operation and who each result is for. */
export interface SesRequestContext {
  operation: 'SendEmail' | 'SendBulkEmail';
  /** SendEmail: every recipient's bare address. SendBulkEmail: the to-address of each entry, in order. */
  recipients: string[];
}

export interface SesMessageTag {
  Name: string;
  Value: string;
}

/** Features gathered by the table; `finishSes` turns them into a SendEmail or SendBulkEmail body. */
export interface SesDraft {
  templated: boolean;
  /** The request body's fields, built in place (no copy per message). */
  fields: Record<string, unknown>;
  /** Headers Anymail adds (X-Metadata, X-Tag), in order. */
  extraHeaders: Array<[string, string]>;
  /** The resolved features: the MIME writers and Content.Simple read them whole. */
  features: Partial<MessageFeatures>;
  espExtra?: SesExtra;
}

/** A fresh draft for one message. */
export const newSesDraft = (context: PayloadContext): SesDraft => ({
  templated: context.features.templateId !== undefined,
  fields: {},
  extraHeaders: [],
  features: context.features,
});

/** SES's limit for a header value (MessageHeaderValue). */
export const MAX_HEADER_VALUE = 870;

const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;

/** A header value SES and every MTA accept: one line of printable ASCII (RFC 2047 for the rest). */
export function asciiHeaderValue(value: string): string {
  const line = value.replace(/[\r\n]+/g, ' ');
  return /[^\x20-\x7e]/.test(line) ? encodeRfc2047(line) : line;
}

/** Metadata as one ASCII line of JSON (non-ASCII as \u escapes, still valid JSON). */
export function metadataHeaderValue(metadata: JsonObject): string {
  return JSON.stringify(metadata).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const onlyWithoutTemplate = (feature: string) => (_draft: SesDraft, _value: unknown, context: PayloadContext) => {
  if (context.features.templateId !== undefined) context.unsupported(feature, 'with templateId (the SES template supplies it)');
};
const onlyWithTemplate = (feature: string) => (_draft: SesDraft, _value: unknown, context: PayloadContext) => {
  if (context.features.templateId === undefined) context.unsupported(feature, 'without templateId (SES sends per-recipient data only with SendBulkEmail templates)');
};

/** Amazon SES v2: ordinary messages are sent whole (Content.Raw), so the MIME carries most features. */
export const sesFeatures = defineEspFeatures<SesDraft, SesExtra>({
  from: (draft, value, context) => {
    if (value.length > 1) context.unsupported('from', 'more than one from address');
    draft.fields.FromEmailAddress = formatAddress(value[0]!);
  },
  to: () => undefined,
  // Templated sends copy cc and bcc onto every entry (ses-batch.ts), as Anymail does.
  cc: () => undefined,
  bcc: () => undefined,
  replyTo: (draft, value) => {
    if (draft.templated) draft.fields.ReplyToAddresses = value.map((address) => formatAddress(address));
  },
  subject: onlyWithoutTemplate('subject'),
  headers: () => undefined,
  textBody: onlyWithoutTemplate('textBody'),
  htmlBody: onlyWithoutTemplate('htmlBody'),
  ampBody: onlyWithoutTemplate('ampBody'),
  alternatives: onlyWithoutTemplate('alternatives'),
  attachments: () => undefined,
  envelopeSender: (draft, value) => (draft.fields.FeedbackForwardingEmailAddress = toAsciiAddrSpec(value)),
  metadata: (draft, value, context) => {
    const json = metadataHeaderValue(value);
    if (json.length > MAX_HEADER_VALUE) context.unsupported('metadata', `over ${MAX_HEADER_VALUE} characters as JSON (SES header value limit)`);
    else draft.extraHeaders.push(['X-Metadata', json]);
  },
  tags: (draft, value) => {
    for (const tag of value) draft.extraHeaders.push(['X-Tag', asciiHeaderValue(tag)]);
  },
  trackClicks: unsupported,
  trackOpens: unsupported,
  sendAt: unsupported,
  templateId: () => undefined,
  mergeData: onlyWithTemplate('mergeData'),
  mergeGlobalData: onlyWithTemplate('mergeGlobalData'),
  mergeMetadata: onlyWithTemplate('mergeMetadata'),
  mergeHeaders: onlyWithTemplate('mergeHeaders'),
  // Checked by core's espExtra policy against sesExtraSchema (ses-extra.ts) before it gets here.
  espExtra: (draft, value) => void (draft.espExtra = value),
});

/** The message tag sent as `EmailTags` when `messageTagName` is set: the (single) tag. */
function messageTags(tags: string[] | undefined, tagName: string | undefined, context: PayloadContext): SesMessageTag[] {
  if (tagName === undefined || tags === undefined || tags.length === 0) return [];
  if (tags.length > 1) context.unsupported('tags', 'more than one tag with messageTagName (SES takes one value per tag name)');
  const value = tags[0]!;
  if (!TAG_VALUE.test(value)) {
    context.unsupported('tags', `"${value}" as an SES message tag (only ASCII letters, digits, '_' and '-')`);
    return [];
  }
  return [{ Name: tagName, Value: value }];
}

const unicode = (address: ParsedAddress) => formatAddress(address, { encoding: 'unicode' });

/**
 * The whole message as MIME by core (`message.message()`, nodemailer's MailComposer), from the
 * resolved features (send defaults applied) plus Anymail's X-Metadata / X-Tag headers. For
 * messages the fast writer in ses-mime.ts can't take. Bcc is not in the MIME; it goes in `Destination`.
 */
async function composeSesMime(message: EmailMessage, draft: SesDraft): Promise<Uint8Array> {
  const { features } = draft;
  const copy = new EmailMessage();
  Object.assign(copy, {
    from: features.from ? unicode(features.from[0]!) : '',
    to: (features.to ?? []).map(unicode),
    cc: (features.cc ?? []).map(unicode),
    replyTo: (features.replyTo ?? []).map(unicode),
    subject: features.subject ?? '',
    body: message.body !== '' ? message.body : (features.textBody ?? ''),
    contentSubtype: message.contentSubtype,
    alternatives: message.alternatives,
    attachments: message.attachments,
    headers: { ...features.headers },
  });
  const given = new Set(Object.keys(copy.headers).map((name) => name.toLowerCase()));
  const prefix: string[] = [];
  for (const [name, value] of draft.extraHeaders) {
    if (given.has(name.toLowerCase())) continue; // the message's own header wins
    prefix.push(`${name}: ${value}\r\n`);
  }
  const mime = await copy.message();
  if (prefix.length === 0) return mime;
  return Buffer.concat([Buffer.from(prefix.join(''), 'ascii'), mime]);
}

/** The whole message as MIME: simple messages by the fast writer (synchronously), the rest by core. */
export function buildSesMime(message: EmailMessage, draft: SesDraft): Uint8Array | Promise<Uint8Array> {
  return buildSimpleMime(draft.features, draft.extraHeaders) ?? composeSesMime(message, draft);
}

const addrSpecs = (list: ParsedAddress[] | undefined) => (list ?? []).map((address) => toAsciiAddrSpec(address));

/**
 * After every feature: a SendEmail request (Content.Simple, else Content.Raw), or SendBulkEmail
 * when the message has a templateId. Synchronous for messages Content.Simple or the fast MIME
 * writer take (the common case) once the region is known, so the send loop pays no promise.
 */
export function finishSes(draft: SesDraft, context: PayloadContext, settings: SesSettings): EspRequest<SesRequestContext> | Promise<EspRequest<SesRequestContext>> {
  // The region is needed for the URL; looked up (once) in the AWS profile's config when not given.
  if (settings.region.value === undefined) return settings.region.resolve().then(() => buildSesRequest(draft, context, settings));
  return buildSesRequest(draft, context, settings);
}

function buildSesRequest(draft: SesDraft, context: PayloadContext, settings: SesSettings): EspRequest<SesRequestContext> | Promise<EspRequest<SesRequestContext>> {
  const { features } = draft;
  if (settings.configurationSetName !== undefined) draft.fields.ConfigurationSetName = settings.configurationSetName;
  const tags = messageTags(features.tags, settings.messageTagName, context);

  if (draft.templated) {
    const { body, recipients } = buildSesBulkBody(draft, context, tags);
    return sesRequest(SEND_BULK_EMAIL_PATH, body, draft, { operation: 'SendBulkEmail', recipients });
  }
  // espExtra that sets Content or Destination was written for a raw send (Destination is only the envelope there).
  const extra = draft.espExtra;
  const simple = extra === undefined || (extra.Content === undefined && extra.Destination === undefined) ? buildSimpleContent(features, draft.extraHeaders) : undefined;
  if (simple !== undefined) return sendSimpleRequest(simple, draft, tags);
  const mime = buildSesMime(context.message, draft);
  return mime instanceof Promise ? mime.then((bytes) => sendEmailRequest(bytes, draft, tags)) : sendEmailRequest(mime, draft, tags);
}

/** Every recipient's bare address, once (status keys). */
function sendEmailContext(to: string[], cc: string[], bcc: string[]): SesRequestContext {
  const recipients = cc.length === 0 && bcc.length === 0 && to.length < 2 ? to : [...new Set([...to, ...cc, ...bcc])];
  return { operation: 'SendEmail', recipients };
}

/** SendEmail with `Content.Simple`: SES writes the To/Cc/Reply-To headers from these fields, names included. */
function sendSimpleRequest(content: SesSimpleContent, draft: SesDraft, tags: SesMessageTag[]): EspRequest<SesRequestContext> {
  const { features } = draft;
  const body = draft.fields;
  const destination: Record<string, string[]> = {};
  if (features.to) destination.ToAddresses = features.to.map(simpleAddress);
  if (features.cc) destination.CcAddresses = features.cc.map(simpleAddress);
  if (features.bcc) destination.BccAddresses = features.bcc.map(simpleAddress);
  body.Destination = destination;
  if (features.replyTo) body.ReplyToAddresses = features.replyTo.map(simpleAddress);
  body.Content = { Simple: content };
  if (tags.length > 0) body.EmailTags = tags;
  const context = sendEmailContext(addrSpecs(features.to), addrSpecs(features.cc), addrSpecs(features.bcc));
  return draft.espExtra !== undefined ? sesRequest(SEND_EMAIL_PATH, body, draft, context) : jsonRequest(SEND_EMAIL_PATH, JSON.stringify(body), context);
}

function sendEmailRequest(mime: Uint8Array, draft: SesDraft, tags: SesMessageTag[]): EspRequest<SesRequestContext> {
  const { features } = draft;
  const destination: Record<string, string[]> = {};
  const to = addrSpecs(features.to);
  const cc = addrSpecs(features.cc);
  const bcc = addrSpecs(features.bcc);
  if (to.length > 0) destination.ToAddresses = to;
  if (cc.length > 0) destination.CcAddresses = cc;
  if (bcc.length > 0) destination.BccAddresses = bcc;
  const data = (Buffer.isBuffer(mime) ? mime : Buffer.from(mime.buffer, mime.byteOffset, mime.byteLength)).toString('base64');
  const body = draft.fields; // the body is built in place: no copy per message
  body.Destination = destination;
  if (tags.length > 0) body.EmailTags = tags;
  const context = sendEmailContext(to, cc, bcc);
  if (draft.espExtra !== undefined) {
    body.Content = { Raw: { Data: data } };
    return sesRequest(SEND_EMAIL_PATH, body, draft, context);
  }
  // Base64 needs no JSON escaping, so the large field is appended rather than scanned by JSON.stringify.
  return jsonRequest(SEND_EMAIL_PATH, `${JSON.stringify(body).slice(0, -1)},"Content":{"Raw":{"Data":"${data}"}}}`, context);
}

function sesRequest(path: string, body: Record<string, unknown>, draft: SesDraft, context: SesRequestContext): EspRequest<SesRequestContext> {
  const merged = draft.espExtra !== undefined ? deepMerge(body, draft.espExtra) : body;
  return jsonRequest(path, JSON.stringify(merged), context);
}

function jsonRequest(path: string, json: string, context: SesRequestContext): EspRequest<SesRequestContext> {
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    // Bytes once: hashed by the signer and written to the socket as they are.
    body: Buffer.from(json, 'utf8'),
    context,
  };
}
