import {
  AnymailConfigurationError,
  DEFAULT_ATTACHMENT_MIMETYPE,
  asciiDomain,
  attachmentContent,
  defineEspFeatures,
  formatAddress,
  unsupported,
  type Attachment,
  type EspRequest,
  type JsonObject,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core/esp';
import { buildMergeFields } from './mailgun-batch.js';
import type { MailgunExtra } from './mailgun-extra.js';
import { encodeMultipart, encodeUrlencoded, type FormFile } from './mailgun-multipart.js';
import { checkSenderDomain, type MailgunSettings } from './mailgun-options.js';

/** What the feature table collects; `finishMailgun` turns it into form fields. */
export interface MailgunDraft {
  fields: Map<string, string[]>;
  /** Headers by lower-cased name: [name as given, value]. */
  headers: Map<string, [string, string]>;
  to: ParsedAddress[];
  recipients: string[];
  files: FormFile[];
  fromDomain?: string;
  envelopeDomain?: string;
  /** Features combined in finish: they share v: fields and recipient-variables (mailgun-batch.ts). */
  metadata?: JsonObject;
  messageHeaders?: Record<string, string>;
  mergeData?: Record<string, JsonObject>;
  mergeGlobalData?: JsonObject;
  mergeMetadata?: Record<string, JsonObject>;
  mergeHeaders?: Record<string, Record<string, string>>;
  extra?: MailgunExtra;
}

/** What the response and error handlers need to know about the request they read the answer to. */
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

/**
 * Every Anymail feature → Mailgun's form fields. metadata, headers and the merge features are
 * combined in `finishMailgun` (they share v: fields and recipient-variables, mailgun-batch.ts).
 */
export const mailgunFeatures = defineEspFeatures<MailgunDraft, MailgunExtra>({
  // Mailgun accepts several From addresses in one comma-separated field.
  from: (draft, value) => {
    draft.fields.set('from', [addresses(value).join(', ')]);
    draft.fromDomain = value[0]?.domain;
  },
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
  subject: (draft, value) => void draft.fields.set('subject', [value]),
  headers: (draft, value, context) => {
    draft.messageHeaders = value;
    for (const [name, headerValue] of Object.entries(value)) {
      // The replyTo feature is the Reply-To header; it wins over a copy in headers.
      if (name.toLowerCase() === 'reply-to' && context.features.replyTo) continue;
      setHeader(draft, name, headerValue);
    }
  },
  textBody: (draft, value) => void draft.fields.set('text', [value]),
  htmlBody: (draft, value) => void draft.fields.set('html', [value]),
  ampBody: (draft, value) => void draft.fields.set('amp-html', [value]),
  alternatives: unsupported,
  attachments: (draft, value, context) => void draft.files.push(...value.map((attachment) => toFormFile(attachment, context))),
  // Mailgun has no envelope-sender field; the envelope sender's domain picks the sending domain.
  envelopeSender: (draft, value) => void (draft.envelopeDomain = value.domain),
  metadata: (draft, value) => void (draft.metadata = value),
  tags: (draft, value) => void draft.fields.set('o:tag', value),
  trackClicks: (draft, value) => void draft.fields.set('o:tracking-clicks', [yesNo(value)]),
  trackOpens: (draft, value) => void draft.fields.set('o:tracking-opens', [yesNo(value)]),
  sendAt: (draft, value) => void draft.fields.set('o:deliverytime', [rfc2822(value)]),
  templateId: (draft, value) => void draft.fields.set('template', [value]),
  mergeData: (draft, value) => void (draft.mergeData = value),
  mergeGlobalData: (draft, value) => void (draft.mergeGlobalData = value),
  mergeMetadata: (draft, value) => void (draft.mergeMetadata = value),
  mergeHeaders: (draft, value) => void (draft.mergeHeaders = value),
  // Already checked and turned into form fields by the kit's espExtra policy (mailgun-extra.ts).
  espExtra: (draft, value) => void (draft.extra = value),
});

/** Sender domain: espExtra.senderDomain > envelopeSender's domain > option > first from address's domain. */
export function chooseSenderDomain(draft: MailgunDraft, optionDomain: string | undefined): string {
  const [domain, where] = draft.extra?.senderDomain
    ? [draft.extra.senderDomain, 'espExtra.senderDomain']
    : draft.envelopeDomain
      ? [draft.envelopeDomain, 'envelopeSender']
      : optionDomain
        ? [optionDomain, 'the senderDomain option']
        : draft.fromDomain
          ? [draft.fromDomain, 'the from address']
          : [undefined, ''];
  if (!domain) {
    throw new AnymailConfigurationError(
      'Mailgun needs a sender domain for /v3/{domain}/messages, and this message has none. ' +
        'Set from, the senderDomain option (MAILGUN_SENDER_DOMAIN), envelopeSender, or espExtra.senderDomain.',
    );
  }
  return asciiDomain(checkSenderDomain(domain, where));
}

/** An attachment as a file part (an attached EmailMessage was rendered by the kit before the features ran). */
function toFormFile(attachment: Attachment, context: PayloadContext): FormFile {
  const { content } = attachment;
  let bytes: Uint8Array;
  let contentType = attachment.mimetype || DEFAULT_ATTACHMENT_MIMETYPE;
  if (typeof content === 'string') {
    bytes = Buffer.from(content, 'utf8');
    if (/^text\//i.test(contentType) && !/charset=/i.test(contentType)) contentType += '; charset=utf-8';
  } else if (content instanceof Uint8Array) {
    bytes = content;
  } else {
    const rendered = attachmentContent(attachment, context);
    bytes = typeof rendered === 'string' ? Buffer.from(rendered, 'utf8') : rendered;
    contentType = 'message/rfc822';
  }
  // Mailgun uses an inline part's file name as its Content-ID (referenced as cid:<filename>).
  const filename = attachment.inline ? (attachment.contentId ?? attachment.filename) : attachment.filename;
  return { field: attachment.inline ? 'inline' : 'attachment', filename: filename || 'attachment', contentType, content: bytes };
}

/** After every feature: merge fields, headers, espExtra, the sender domain, and the encoded body. */
export function finishMailgun(draft: MailgunDraft, context: PayloadContext, settings: MailgunSettings): EspRequest<MailgunRequestContext> {
  const usesTemplate = draft.fields.has('template') || draft.extra?.fields.has('template') === true;
  const merge = buildMergeFields(
    {
      to: draft.to.map((address) => address.addrSpec),
      usesTemplate,
      metadata: draft.metadata,
      headers: draft.messageHeaders,
      mergeData: draft.mergeData,
      mergeGlobalData: draft.mergeGlobalData,
      mergeMetadata: draft.mergeMetadata,
      mergeHeaders: draft.mergeHeaders,
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

  const senderDomain = chooseSenderDomain(draft, settings.senderDomain);
  const flat: Array<[string, string]> = [];
  for (const [name, values] of fields) for (const value of values) flat.push([name, value]);
  // Multipart only when there are files: urlencoded is smaller and cheaper to build.
  const encoded = draft.files.length > 0 ? encodeMultipart(flat, draft.files) : encodeUrlencoded(flat);
  return {
    method: 'POST',
    path: `${encodeURIComponent(senderDomain)}/messages`,
    headers: { authorization: settings.authorization, 'content-type': encoded.contentType },
    body: encoded.body,
    context: { recipients: [...new Set(draft.recipients)], senderDomain },
  };
}

/** A fresh draft for one message. */
export const newMailgunDraft = (): MailgunDraft => ({ fields: new Map(), headers: new Map(), to: [], recipients: [], files: [] });
