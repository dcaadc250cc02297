import {
  attachmentContent,
  defineEspFeatures,
  formatAddress,
  unsupported,
  type Attachment,
  type EspRequest,
  type JsonObject,
  type JsonValue,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core/esp';
import { RESEND_METADATA_HEADER, RESEND_TAGS_HEADER, type ResendExtra, type ResendTag } from './resend-extra.js';
import type { ResendSettings } from './resend-options.js';

/** One attachment as Resend's send-email API takes it (`content` base64). */
export interface ResendAttachment {
  filename?: string;
  content: string;
  content_type: string;
  /** Set for inline images, which the HTML refers to as `cid:<content_id>`. */
  content_id?: string;
}

/** Template variables: Resend takes string and number values. */
export type ResendTemplateVariables = Record<string, string | number>;

/** One email as Resend's `POST /emails` takes it (snake_case on the wire). */
export interface ResendEmail {
  from?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  reply_to?: string | string[];
  subject?: string;
  html?: string;
  text?: string;
  template?: { id: string; variables?: ResendTemplateVariables };
  headers?: Record<string, string>;
  scheduled_at?: string;
  attachments?: ResendAttachment[];
  tags?: ResendTag[];
  topic_id?: string;
}

export type ResendEndpoint = 'emails' | 'emails/batch';

/** The recipients of one Resend email (bare addresses), for reading its answer. */
export interface ResendRecipients {
  to: string[];
  cc: string[];
  bcc: string[];
}

/** What the response handler and the batch combiner need to know about a request. */
export interface ResendRequestContext {
  endpoint: ResendEndpoint;
  /** One entry per email in the request, in order. */
  emails: ResendRecipients[];
  /** Whether `sendMessages` may put this email into an `/emails/batch` request with others. */
  combinable: boolean;
}

/** The draft the feature table fills; `finish` turns it into a request. */
export interface ResendDraft {
  email: ResendEmail;
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  metadata?: JsonObject;
  tags?: string[];
  mergeData?: Record<string, JsonObject>;
  mergeMetadata?: Record<string, JsonObject>;
  mergeHeaders?: Record<string, Record<string, string>>;
  extra: ResendExtra;
}

/**
 * Every `/emails/batch` request asks for permissive validation: Resend creates the valid emails and lists
 * the others in `errors`, rather than refusing the whole batch for one bad email (its default, strict).
 */
export const RESEND_BATCH_HEADERS: Readonly<Record<string, string>> = { 'x-batch-validation': 'permissive' };

/** A fresh draft for one message. */
export const newResendDraft = (): ResendDraft => ({ email: {}, to: [], cc: [], bcc: [], extra: {} });

const format = (address: ParsedAddress): string => formatAddress(address, { encoding: 'unicode' });
const bare = (addresses: ParsedAddress[]): string[] => addresses.map((address) => address.addrSpec);

function base64(content: string | Uint8Array): string {
  return (typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength)).toString('base64');
}

function toAttachment(attachment: Attachment, context: PayloadContext): ResendAttachment {
  const filename = attachment.filename ?? (attachment.mimetype === 'message/rfc822' ? 'message.eml' : undefined);
  const result: ResendAttachment = {
    ...(filename !== undefined ? { filename } : {}),
    content: base64(attachmentContent(attachment, context)),
    content_type: attachment.mimetype,
  };
  // Resend's inline images: a content_id the HTML refers to as cid:<content_id>.
  if (attachment.inline && attachment.contentId) result.content_id = attachment.contentId;
  return result;
}

/** Resend template variables are strings or numbers: anything else is refused (or dropped when ignoring). */
function toVariables(data: JsonObject, context: PayloadContext, feature: 'mergeData' | 'mergeGlobalData'): ResendTemplateVariables {
  const variables: ResendTemplateVariables = {};
  for (const [key, value] of Object.entries(data) as [string, JsonValue][]) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) variables[key] = value;
    else context.unsupported(feature, `a ${value === null ? 'null' : typeof value} value for "${key}" (Resend template variables are strings or numbers)`);
  }
  return variables;
}

export const resendFeatures = defineEspFeatures<ResendDraft, ResendExtra>({
  from: (draft, value, context) => {
    if (value.length > 1) context.unsupported('from', 'multiple From addresses');
    draft.email.from = format(value[0]!);
  },
  to: (draft, value) => void (draft.to = value),
  cc: (draft, value) => void (draft.cc = value),
  bcc: (draft, value) => void (draft.bcc = value),
  replyTo: (draft, value) => void (draft.email.reply_to = value.map(format)),
  subject: (draft, value) => void (draft.email.subject = value),
  headers: (draft, value) => void (draft.email.headers = { ...value }),
  textBody: (draft, value) => void (draft.email.text = value),
  htmlBody: (draft, value) => void (draft.email.html = value),
  ampBody: unsupported,
  alternatives: unsupported,
  attachments: (draft, value, context) => void (draft.email.attachments = value.map((attachment) => toAttachment(attachment, context))),
  envelopeSender: unsupported,
  metadata: (draft, value) => void (draft.metadata = value),
  tags: (draft, value) => void (draft.tags = value),
  // Open and click tracking are settings of the sending domain at Resend, not of a message.
  trackClicks: unsupported,
  trackOpens: unsupported,
  sendAt: (draft, value) => void (draft.email.scheduled_at = value.toISOString()),
  templateId: (draft, value) => void (draft.email.template = { id: value }),
  mergeData: (draft, value) => void (draft.mergeData = value),
  mergeGlobalData: (draft, value, context) => {
    const variables = toVariables(value, context, 'mergeGlobalData');
    draft.email.template = { id: draft.email.template?.id ?? '', variables };
  },
  mergeMetadata: (draft, value) => void (draft.mergeMetadata = value),
  mergeHeaders: (draft, value) => void (draft.mergeHeaders = value),
  espExtra: (draft, value) => void (draft.extra = value),
});

/** Checks that need several features: templates (Resend's replace html/text, and alone take variables). */
function checkTemplate(draft: ResendDraft, context: PayloadContext): void {
  const { email } = draft;
  if (email.template === undefined || email.template.id === '') {
    if (email.template !== undefined) context.unsupported('mergeGlobalData', 'without templateId (Resend merges data only into templates)');
    if (draft.mergeData !== undefined) context.unsupported('mergeData', 'without templateId (Resend merges data only into templates)');
    delete email.template;
    delete draft.mergeData;
    return;
  }
  // "If provided, do not include html or text" (resend.yaml, SendEmailRequest.template).
  for (const [field, feature] of [['text', 'textBody'], ['html', 'htmlBody']] as const) {
    if (email[field] !== undefined) {
      context.unsupported(feature, 'with templateId (the Resend template supplies it)');
      delete email[field];
    }
  }
}

/** The custom headers of one email: the message's, Anymail's metadata and tags, espExtra's, then per-recipient ones. */
function headersFor(draft: ResendDraft, metadata: JsonObject | undefined, perRecipient: Record<string, string> | undefined): Record<string, string> | undefined {
  const headers: Record<string, string> = { ...draft.email.headers };
  if (metadata !== undefined && Object.keys(metadata).length > 0) headers[RESEND_METADATA_HEADER] = JSON.stringify(metadata);
  if (draft.tags !== undefined && draft.tags.length > 0) headers[RESEND_TAGS_HEADER] = JSON.stringify(draft.tags);
  Object.assign(headers, draft.extra.headers, perRecipient);
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/** espExtra's API fields onto an email: `tags` and `headers` add to what Anymail built, the others replace it. */
function applyExtra(email: ResendEmail, extra: ResendExtra): void {
  const { idempotencyKey: _key, headers: _headers, tags, ...fields } = extra;
  Object.assign(email, fields);
  if (tags !== undefined) email.tags = [...(email.tags ?? []), ...tags];
}

/** Which feature made this message a batch send (for error messages). */
function batchFeature(draft: ResendDraft): 'mergeData' | 'mergeMetadata' | 'mergeHeaders' | undefined {
  if (draft.mergeData !== undefined) return 'mergeData';
  if (draft.mergeMetadata !== undefined) return 'mergeMetadata';
  if (draft.mergeHeaders !== undefined) return 'mergeHeaders';
  return undefined;
}

/** One email per `to` recipient (batch send), with its own template variables, metadata and headers. */
function perRecipient(draft: ResendDraft, base: ResendEmail, context: PayloadContext): ResendEmail[] {
  return draft.to.map((to) => {
    const email: ResendEmail = { ...base, to: [format(to)] };
    const data = draft.mergeData?.[to.addrSpec];
    if (email.template !== undefined && data !== undefined) {
      email.template = { ...email.template, variables: { ...email.template.variables, ...toVariables(data, context, 'mergeData') } };
    }
    const metadata = draft.mergeMetadata?.[to.addrSpec];
    const headers = headersFor(draft, metadata === undefined ? draft.metadata : { ...draft.metadata, ...metadata }, draft.mergeHeaders?.[to.addrSpec]);
    if (headers) email.headers = headers;
    else delete email.headers;
    return email;
  });
}

/**
 * After every feature: templates, headers and espExtra, then the endpoint. A message with per-recipient
 * data (mergeData, mergeMetadata, mergeHeaders) becomes one email per `to` in one `POST /emails/batch`;
 * Resend takes neither attachments nor `scheduled_at` there.
 */
export function finishResend(draft: ResendDraft, context: PayloadContext, settings: ResendSettings): EspRequest<ResendRequestContext> {
  checkTemplate(draft, context);
  const email: ResendEmail = { ...draft.email };
  if (draft.cc.length > 0) email.cc = draft.cc.map(format);
  if (draft.bcc.length > 0) email.bcc = draft.bcc.map(format);
  applyExtra(email, draft.extra);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${settings.apiKey}` };
  if (draft.extra.idempotencyKey !== undefined) headers['idempotency-key'] = draft.extra.idempotencyKey;
  const cc = bare(draft.cc);
  const bcc = bare(draft.bcc);
  const batch = batchFeature(draft);
  if (batch !== undefined && draft.to.length > 0) {
    // resend-node's CreateBatchEmailOptions (citing Resend's batch docs) leave both out of batch emails.
    if (email.attachments !== undefined) {
      context.unsupported('attachments', `with ${batch} (Resend's /emails/batch takes no attachments)`);
      delete email.attachments;
    }
    if (email.scheduled_at !== undefined) {
      context.unsupported('sendAt', `with ${batch} (Resend's /emails/batch takes no scheduled_at)`);
      delete email.scheduled_at;
    }
    const emails = perRecipient(draft, email, context);
    const requestContext: ResendRequestContext = { endpoint: 'emails/batch', emails: draft.to.map((to) => ({ to: [to.addrSpec], cc, bcc })), combinable: false };
    return { method: 'POST', path: 'emails/batch', headers: { ...headers, ...RESEND_BATCH_HEADERS }, body: JSON.stringify(emails), context: requestContext };
  }
  if (draft.to.length > 0) email.to = draft.to.map(format);
  const emailHeaders = headersFor(draft, draft.metadata, undefined);
  if (emailHeaders) email.headers = emailHeaders;
  const combinable = draft.extra.idempotencyKey === undefined && email.attachments === undefined && email.scheduled_at === undefined;
  const requestContext: ResendRequestContext = { endpoint: 'emails', emails: [{ to: bare(draft.to), cc, bcc }], combinable };
  return { method: 'POST', path: 'emails', headers, body: JSON.stringify(email), context: requestContext };
}
