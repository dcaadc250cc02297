import {
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
import type { PostmarkExtra } from './postmark-extra.js';
import type { PostmarkSettings } from './postmark-options.js';

export interface PostmarkHeader {
  Name: string;
  Value: string;
}

export interface PostmarkAttachment {
  Name: string;
  Content: string;
  ContentType: string;
  ContentID?: string;
}

/** One message as Postmark's email API takes it. */
export interface PostmarkMessage {
  From?: string;
  To?: string;
  Cc?: string;
  Bcc?: string;
  ReplyTo?: string;
  Subject?: string;
  Headers?: PostmarkHeader[];
  TextBody?: string;
  HtmlBody?: string;
  Attachments?: PostmarkAttachment[];
  Metadata?: Record<string, string>;
  Tag?: string;
  TrackOpens?: boolean;
  TrackLinks?: 'None' | 'HtmlAndText' | 'HtmlOnly' | 'TextOnly';
  TemplateId?: number;
  TemplateAlias?: string;
  TemplateModel?: Record<string, unknown>;
  InlineCss?: boolean;
  MessageStream?: string;
}

export type PostmarkEndpoint = 'email' | 'email/batch' | 'email/withTemplate' | 'email/batchWithTemplates';

/** The recipients of one Postmark message (bare addresses), for reading its result. */
export interface PostmarkRecipients {
  to: string[];
  cc: string[];
  bcc: string[];
}

/** What the response handler needs to know about the request it reads the answer to. */
export interface PostmarkRequestContext {
  endpoint: PostmarkEndpoint;
  /** One entry per Postmark message in the request, in order. */
  messages: PostmarkRecipients[];
  serverToken: string;
}

/** The draft the feature table fills; `finish` turns it into a request. */
export interface PostmarkDraft {
  message: PostmarkMessage;
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  batch: boolean;
  mergeData?: Record<string, JsonObject>;
  mergeMetadata?: Record<string, JsonObject>;
  mergeHeaders?: Record<string, Record<string, string>>;
  extra: PostmarkExtra;
}

/** A fresh draft for one message. */
export const newPostmarkDraft = (): PostmarkDraft => ({ message: {}, to: [], cc: [], bcc: [], batch: false, extra: {} });

const joinAddresses = (addresses: ParsedAddress[]): string =>
  addresses.map((address) => formatAddress(address, { encoding: 'unicode' })).join(', ');

const toHeaders = (headers: Record<string, string>): PostmarkHeader[] =>
  Object.entries(headers).map(([Name, Value]) => ({ Name, Value }));

function base64(content: string | Uint8Array): string {
  return (typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength)).toString('base64');
}

function toAttachment(attachment: Attachment, context: PayloadContext): PostmarkAttachment {
  const content = attachmentContent(attachment, context);
  const result: PostmarkAttachment = {
    Name: attachment.filename ?? (attachment.mimetype === 'message/rfc822' ? 'message.eml' : 'attachment'),
    Content: base64(content),
    ContentType: attachment.mimetype,
  };
  // Postmark marks an inline part by a ContentID of the form "cid:<id>".
  if (attachment.inline && attachment.contentId) result.ContentID = `cid:${attachment.contentId}`;
  return result;
}

/** Postmark Metadata values are strings: scalars are converted, nested values refused. */
function toMetadata(metadata: JsonObject, context: PayloadContext, feature: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === 'string') result[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') result[key] = String(value);
    else context.unsupported(feature, `non-scalar value for "${key}" (Postmark metadata values are strings)`);
  }
  return result;
}

export const postmarkFeatures = defineEspFeatures<PostmarkDraft, PostmarkExtra>({
  from: (draft, value, context) => {
    if (value.length > 1) context.unsupported('from', 'multiple From addresses');
    draft.message.From = formatAddress(value[0]!, { encoding: 'unicode' });
  },
  to: (draft, value) => void (draft.to = value),
  cc: (draft, value) => void (draft.cc = value),
  bcc: (draft, value) => void (draft.bcc = value),
  replyTo: (draft, value) => void (draft.message.ReplyTo = joinAddresses(value)),
  subject: (draft, value) => void (draft.message.Subject = value),
  headers: (draft, value) => void (draft.message.Headers = toHeaders(value)),
  textBody: (draft, value) => void (draft.message.TextBody = value),
  htmlBody: (draft, value) => void (draft.message.HtmlBody = value),
  ampBody: unsupported,
  alternatives: unsupported,
  attachments: (draft, value, context) => void (draft.message.Attachments = value.map((a) => toAttachment(a, context))),
  envelopeSender: unsupported,
  metadata: (draft, value, context) => void (draft.message.Metadata = toMetadata(value, context, 'metadata')),
  tags: (draft, value, context) => {
    if (value.length > 1) context.unsupported('tags', 'multiple tags (Postmark allows one Tag)');
    draft.message.Tag = value[0]!;
  },
  trackClicks: (draft, value) => void (draft.message.TrackLinks = value ? 'HtmlAndText' : 'None'),
  trackOpens: (draft, value) => void (draft.message.TrackOpens = value),
  sendAt: unsupported,
  templateId: (draft, value) => {
    // Postmark template ids are numbers; anything else is a template alias.
    if (/^\d+$/.test(value)) draft.message.TemplateId = Number(value);
    else draft.message.TemplateAlias = value;
  },
  mergeData: (draft, value) => {
    draft.batch = true;
    draft.mergeData = value;
  },
  mergeGlobalData: (draft, value) => void (draft.message.TemplateModel = { ...value }),
  mergeMetadata: (draft, value) => {
    draft.batch = true;
    draft.mergeMetadata = value;
  },
  mergeHeaders: (draft, value) => {
    draft.batch = true;
    draft.mergeHeaders = value;
  },
  espExtra: (draft, value) => void (draft.extra = value),
});

function isTemplate(message: PostmarkMessage): boolean {
  return message.TemplateId !== undefined || message.TemplateAlias !== undefined;
}

/** Checks that need every feature: template-only features, and template vs. subject/body. */
function checkTemplate(draft: PostmarkDraft, context: PayloadContext): void {
  const { message } = draft;
  if (!isTemplate(message)) {
    if (draft.mergeData !== undefined) context.unsupported('mergeData', 'without templateId (Postmark merges data only into templates)');
    if (message.TemplateModel !== undefined) {
      context.unsupported('mergeGlobalData', 'without templateId (Postmark merges data only into templates)');
      delete message.TemplateModel;
    }
    if (!draft.mergeMetadata && !draft.mergeHeaders) draft.batch = false;
    return;
  }
  // Postmark's template endpoints take the subject and bodies from the template.
  for (const [field, feature] of [['Subject', 'subject'], ['TextBody', 'textBody'], ['HtmlBody', 'htmlBody']] as const) {
    if (message[field] !== undefined) {
      context.unsupported(feature, 'with templateId (the Postmark template supplies it)');
      delete message[field];
    }
  }
  message.TemplateModel ??= {};
}

function mergeHeaderList(base: PostmarkHeader[] | undefined, extra: Record<string, string> | undefined): PostmarkHeader[] | undefined {
  if (!extra) return base;
  const names = new Set(Object.keys(extra).map((name) => name.toLowerCase()));
  return [...(base ?? []).filter((header) => !names.has(header.Name.toLowerCase())), ...toHeaders(extra)];
}

/** One Postmark message per To recipient (batch send): merge data, metadata and headers per recipient. */
function perRecipient(draft: PostmarkDraft, base: PostmarkMessage, context: PayloadContext): PostmarkMessage[] {
  return draft.to.map((to) => {
    const message: PostmarkMessage = { ...base, To: formatAddress(to, { encoding: 'unicode' }) };
    const data = draft.mergeData?.[to.addrSpec];
    if (message.TemplateModel !== undefined) message.TemplateModel = { ...message.TemplateModel, ...data };
    const metadata = draft.mergeMetadata?.[to.addrSpec];
    if (metadata) message.Metadata = { ...message.Metadata, ...toMetadata(metadata, context, 'mergeMetadata') };
    const headers = mergeHeaderList(message.Headers, draft.mergeHeaders?.[to.addrSpec]);
    if (headers) message.Headers = headers;
    return message;
  });
}

const bare = (addresses: ParsedAddress[]): string[] => addresses.map((address) => address.addrSpec);

/** After every feature: apply espExtra and options, pick the endpoint, serialize. */
export function finishPostmark(draft: PostmarkDraft, context: PayloadContext, defaults: PostmarkSettings): EspRequest<PostmarkRequestContext> {
  checkTemplate(draft, context);
  const { serverToken: tokenOverride, TemplateModel: extraModel, ...extraFields } = draft.extra;
  const message: PostmarkMessage = draft.message;
  if (defaults.messageStream !== undefined) message.MessageStream = defaults.messageStream;
  Object.assign(message, extraFields);
  if (extraModel && isTemplate(message)) message.TemplateModel = { ...message.TemplateModel, ...extraModel };
  if (draft.cc.length > 0) message.Cc = joinAddresses(draft.cc);
  if (draft.bcc.length > 0) message.Bcc = joinAddresses(draft.bcc);
  const template = isTemplate(message);
  const serverToken = tokenOverride ?? defaults.serverToken;
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-postmark-server-token': serverToken };
  const cc = bare(draft.cc);
  const bcc = bare(draft.bcc);
  if (draft.batch && draft.to.length > 0) {
    const messages = perRecipient(draft, message, context);
    const endpoint: PostmarkEndpoint = template ? 'email/batchWithTemplates' : 'email/batch';
    const requestContext: PostmarkRequestContext = {
      endpoint,
      messages: draft.to.map((to) => ({ to: [to.addrSpec], cc, bcc })),
      serverToken,
    };
    const body = template ? JSON.stringify({ Messages: messages }) : JSON.stringify(messages);
    return { method: 'POST', path: endpoint, headers, body, context: requestContext };
  }
  if (draft.to.length > 0) message.To = joinAddresses(draft.to);
  const endpoint: PostmarkEndpoint = template ? 'email/withTemplate' : 'email';
  const requestContext: PostmarkRequestContext = { endpoint, messages: [{ to: bare(draft.to), cc, bcc }], serverToken };
  return { method: 'POST', path: endpoint, headers, body: JSON.stringify(message), context: requestContext };
}
