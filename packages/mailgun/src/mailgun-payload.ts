import {
  AnymailConfigurationError,
  DEFAULT_ATTACHMENT_MIMETYPE,
  applyFeatures,
  asciiDomain,
  defineEspFeatures,
  formatAddress,
  unsupported,
  type Attachment,
  type EspRequest,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core';
import { parseMailgunExtra, type ParsedMailgunExtra } from './mailgun-extra.js';
import { buildMergeFields } from './mailgun-merge.js';
import { encodeMultipart, encodeUrlencoded, type FormFile } from './mailgun-multipart.js';
import { checkSenderDomain } from './mailgun-options.js';

/** What the feature table collects; `finishMailgunRequest` turns it into form fields. */
export interface MailgunDraft {
  fields: Map<string, string[]>;
  /** Headers by lower-cased name: [name as given, value]. */
  headers: Map<string, [string, string]>;
  to: ParsedAddress[];
  recipients: string[];
  attachments: Attachment[];
  envelopeDomain?: string;
  extra?: ParsedMailgunExtra;
}

/** Per-request facts the response parser needs. */
export interface MailgunRequestContext {
  /** Bare addresses of every recipient (to, cc, bcc). */
  recipients: string[];
  senderDomain: string;
}

const addresses = (list: ParsedAddress[]) => list.map((address) => formatAddress(address));
const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/** RFC 2822 date in UTC, as Mailgun's o:deliverytime wants ('Fri, 14 Oct 2011 12:00:00 +0000'). */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

function setHeader(draft: MailgunDraft, name: string, value: string): void {
  draft.headers.set(name.toLowerCase(), [name, value]);
}

export const mailgunFeatures = defineEspFeatures<MailgunDraft>({
  // Mailgun accepts several From addresses in one comma-separated field.
  from: (draft, value) => draft.fields.set('from', [addresses(value).join(', ')]),
  to: (draft, value) => {
    draft.to = value;
    draft.recipients.push(...value.map((address) => address.addrSpec));
    draft.fields.set('to', addresses(value));
  },
  cc: (draft, value) => {
    draft.recipients.push(...value.map((address) => address.addrSpec));
    draft.fields.set('cc', addresses(value));
  },
  bcc: (draft, value) => {
    draft.recipients.push(...value.map((address) => address.addrSpec));
    draft.fields.set('bcc', addresses(value));
  },
  replyTo: (draft, value) => setHeader(draft, 'Reply-To', addresses(value).join(', ')),
  subject: (draft, value) => draft.fields.set('subject', [value]),
  headers: (draft, value, context) => {
    for (const [name, headerValue] of Object.entries(value)) {
      // The replyTo feature is the Reply-To header; it wins over a copy in headers.
      if (name.toLowerCase() === 'reply-to' && context.features.replyTo) continue;
      setHeader(draft, name, headerValue);
    }
  },
  textBody: (draft, value) => draft.fields.set('text', [value]),
  htmlBody: (draft, value) => draft.fields.set('html', [value]),
  ampBody: (draft, value) => draft.fields.set('amp-html', [value]),
  alternatives: unsupported,
  attachments: (draft, value) => draft.attachments.push(...value),
  // Mailgun has no envelope-sender field; the envelope sender's domain picks the sending domain.
  envelopeSender: (draft, value) => (draft.envelopeDomain = value.domain),
  // metadata, merge data and headers are combined in finish (they share v: and recipient-variables).
  metadata: () => undefined,
  tags: (draft, value) => draft.fields.set('o:tag', value),
  trackClicks: (draft, value) => draft.fields.set('o:tracking-clicks', [yesNo(value)]),
  trackOpens: (draft, value) => draft.fields.set('o:tracking-opens', [yesNo(value)]),
  sendAt: (draft, value) => draft.fields.set('o:deliverytime', [rfc2822(value)]),
  templateId: (draft, value) => draft.fields.set('template', [value]),
  mergeData: () => undefined,
  mergeGlobalData: () => undefined,
  mergeMetadata: () => undefined,
  mergeHeaders: () => undefined,
  espExtra: (draft, value) => (draft.extra = parseMailgunExtra(value)),
});

/** Sender domain: espExtra.senderDomain > envelopeSender's domain > option > first from address's domain. */
export function chooseSenderDomain(draft: MailgunDraft, context: PayloadContext, optionDomain: string | undefined): string {
  const fromDomain = context.features.from?.[0]?.domain;
  const [domain, where] = draft.extra?.senderDomain
    ? [draft.extra.senderDomain, 'espExtra.senderDomain']
    : draft.envelopeDomain
      ? [draft.envelopeDomain, 'envelopeSender']
      : optionDomain
        ? [optionDomain, 'the senderDomain option']
        : fromDomain
          ? [fromDomain, 'the from address']
          : [undefined, ''];
  if (!domain) {
    throw new AnymailConfigurationError(
      'Mailgun needs a sender domain for /v3/{domain}/messages, and this message has none. ' +
        'Set from, the senderDomain option (MAILGUN_SENDER_DOMAIN), envelopeSender, or espExtra.senderDomain.',
    );
  }
  return asciiDomain(checkSenderDomain(domain, where));
}

async function toFormFile(attachment: Attachment): Promise<FormFile> {
  const { content } = attachment;
  let bytes: Uint8Array;
  let contentType = attachment.mimetype || DEFAULT_ATTACHMENT_MIMETYPE;
  if (typeof content === 'string') {
    bytes = Buffer.from(content, 'utf8');
    if (/^text\//i.test(contentType) && !/charset=/i.test(contentType)) contentType += '; charset=utf-8';
  } else if (content instanceof Uint8Array) {
    bytes = content;
  } else {
    bytes = await content.message();
    contentType = 'message/rfc822';
  }
  // Mailgun uses an inline part's file name as its Content-ID (referenced as cid:<filename>).
  const filename = attachment.inline ? (attachment.contentId ?? attachment.filename) : attachment.filename;
  return { field: attachment.inline ? 'inline' : 'attachment', filename: filename || 'attachment', contentType, content: bytes };
}

/** After every feature: merge fields, headers, espExtra, the sender domain, and the encoded body. */
export async function finishMailgunRequest(
  draft: MailgunDraft,
  context: PayloadContext,
  options: { senderDomain: string | undefined; authorization: string },
): Promise<EspRequest> {
  const { features } = context;
  const usesTemplate = features.templateId !== undefined || draft.extra?.fields.has('template') === true;
  const merge = buildMergeFields(
    {
      to: draft.to.map((address) => address.addrSpec),
      usesTemplate,
      metadata: features.metadata,
      headers: features.headers,
      mergeData: features.mergeData,
      mergeGlobalData: features.mergeGlobalData,
      mergeMetadata: features.mergeMetadata,
      mergeHeaders: features.mergeHeaders,
    },
    context,
  );
  for (const [name, value] of merge.headers) {
    // Keep the message header's spelling when a merge header overrides it.
    setHeader(draft, draft.headers.get(name.toLowerCase())?.[0] ?? name, value);
  }
  const { fields } = draft;
  for (const [name, value] of draft.headers.values()) fields.set(`h:${name}`, [value]);
  for (const [name, value] of merge.variables) fields.set(`v:${name}`, [value]);
  if (merge.recipientVariables !== undefined) fields.set('recipient-variables', [merge.recipientVariables]);
  for (const [name, values] of draft.extra?.fields ?? []) {
    // An h: field in espExtra replaces a header of the same name in any case.
    if (name.startsWith('h:')) for (const key of fields.keys()) if (key.toLowerCase() === name.toLowerCase()) fields.delete(key);
    fields.set(name, values);
  }

  const senderDomain = chooseSenderDomain(draft, context, options.senderDomain);
  const flat: Array<[string, string]> = [];
  for (const [name, values] of fields) for (const value of values) flat.push([name, value]);
  // Multipart only when there are files: urlencoded is smaller and cheaper to build.
  const encoded = draft.attachments.length > 0 ? encodeMultipart(flat, await Promise.all(draft.attachments.map(toFormFile))) : encodeUrlencoded(flat);
  const requestContext: MailgunRequestContext = { recipients: [...new Set(draft.recipients)], senderDomain };
  return {
    method: 'POST',
    path: `${encodeURIComponent(senderDomain)}/messages`,
    headers: { authorization: options.authorization, 'content-type': encoded.contentType },
    body: encoded.body,
    context: requestContext,
  };
}

export function newMailgunDraft(): MailgunDraft {
  return { fields: new Map(), headers: new Map(), to: [], recipients: [], attachments: [] };
}

/** Message features → a Mailgun send request (data only). */
export async function buildMailgunRequest(
  context: PayloadContext,
  options: { senderDomain: string | undefined; authorization: string },
): Promise<EspRequest> {
  const draft = applyFeatures(mailgunFeatures, newMailgunDraft(), context);
  return finishMailgunRequest(draft, context, options);
}
