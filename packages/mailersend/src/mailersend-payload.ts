import { guessExtension } from '@anymail/core';
import {
  AnymailUnsupportedFeature,
  attachmentContent,
  deepMerge,
  defineEspFeatures,
  unsupported,
  type Attachment,
  type EspRequest,
  type JsonObject,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core/esp';
import type { MailerSendExtra } from './mailersend-extra.js';
import type { MailerSendBatchSendMode, MailerSendSettings } from './mailersend-options.js';

export interface MailerSendAddress {
  email: string;
  name?: string;
}

export interface MailerSendAttachment {
  content: string;
  filename: string;
  disposition: 'attachment' | 'inline';
  id?: string;
}

export interface MailerSendPersonalization {
  email: string;
  data: Record<string, unknown>;
}

/** One message as MailerSend's email API takes it (https://developers.mailersend.com/api/v1/email.html). */
export interface MailerSendMessage {
  from?: MailerSendAddress;
  to?: MailerSendAddress[];
  cc?: MailerSendAddress[];
  bcc?: MailerSendAddress[];
  reply_to?: MailerSendAddress;
  subject?: string;
  text?: string;
  html?: string;
  template_id?: string;
  tags?: string[];
  personalization?: MailerSendPersonalization[];
  attachments?: MailerSendAttachment[];
  send_at?: number;
  in_reply_to?: string;
  references?: string[];
  precedence_bulk?: boolean;
  list_unsubscribe?: string;
  headers?: { name: string; value: string }[];
  settings?: { track_clicks?: boolean; track_opens?: boolean; track_content?: boolean };
}

/** `email`: one message, answered at once. `bulk-email`: an array of messages, checked later by MailerSend. */
export type MailerSendEndpoint = 'email' | 'bulk-email';

/** The recipients of one MailerSend message (bare addresses), for reading its result. */
export interface MailerSendRecipients {
  to: string[];
  cc: string[];
  bcc: string[];
}

/** What the response handler needs to know about the request it reads the answer to. */
export interface MailerSendRequestContext {
  endpoint: MailerSendEndpoint;
  /** One entry per MailerSend message in the request, in order. */
  messages: MailerSendRecipients[];
  /** The token this request sends with (a message's espExtra.apiToken, or the backend's). */
  apiToken: string;
}

/** The draft the feature table fills; `finish` turns it into a request. */
export interface MailerSendDraft {
  message: MailerSendMessage;
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  mergeData?: Record<string, JsonObject>;
  mergeGlobalData?: JsonObject;
  extra: MailerSendExtra;
}

/** A fresh draft for one message. */
export const newMailerSendDraft = (): MailerSendDraft => ({ message: {}, to: [], cc: [], bcc: [], extra: {} });

const toAddress = (address: ParsedAddress): MailerSendAddress =>
  address.displayName ? { email: address.addrSpec, name: address.displayName } : { email: address.addrSpec };

function base64(content: string | Uint8Array): string {
  return (typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength)).toString('base64');
}

/**
 * MailerSend requires a filename on every attachment and takes the content type from its
 * extension: an unnamed part gets `attachment.<ext>` for its MIME type.
 */
function toAttachment(attachment: Attachment, context: PayloadContext): MailerSendAttachment {
  const extension = guessExtension(attachment.mimetype);
  const result: MailerSendAttachment = {
    content: base64(attachmentContent(attachment, context)),
    filename: attachment.filename || (extension ? `attachment.${extension}` : 'attachment'),
    disposition: attachment.inline && attachment.contentId ? 'inline' : 'attachment',
  };
  // Inline images are referenced from the HTML as cid:<id>.
  if (result.disposition === 'inline') result.id = attachment.contentId!;
  return result;
}

/**
 * Headers: MailerSend has its own fields for In-Reply-To (a message id without angle brackets)
 * and Precedence (`precedence_bulk`), which every plan may send; other headers go to `headers`,
 * which MailerSend accepts on Enterprise plans only (others get an API error).
 */
function setHeaders(draft: MailerSendDraft, headers: Record<string, string>): void {
  const rest: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'in-reply-to') draft.message.in_reply_to = value.trim().replace(/^<|>$/g, '');
    else if (lower === 'precedence') draft.message.precedence_bulk = ['bulk', 'list', 'junk'].includes(value.trim().toLowerCase());
    else rest.push({ name, value });
  }
  if (rest.length > 0) draft.message.headers = rest;
}

export const mailerSendFeatures = defineEspFeatures<MailerSendDraft, MailerSendExtra>({
  from: (draft, value, context) => {
    if (value.length > 1) context.unsupported('from', 'multiple From addresses');
    draft.message.from = toAddress(value[0]!);
  },
  to: (draft, value) => void (draft.to = value),
  cc: (draft, value) => void (draft.cc = value),
  bcc: (draft, value) => void (draft.bcc = value),
  replyTo: (draft, value, context) => {
    if (value.length > 1) context.unsupported('replyTo', 'multiple Reply-To addresses (MailerSend takes one)');
    draft.message.reply_to = toAddress(value[0]!);
  },
  subject: (draft, value) => void (draft.message.subject = value),
  headers: (draft, value) => setHeaders(draft, value),
  textBody: (draft, value) => void (draft.message.text = value),
  htmlBody: (draft, value) => void (draft.message.html = value),
  ampBody: unsupported,
  alternatives: unsupported,
  attachments: (draft, value, context) => void (draft.message.attachments = value.map((attachment) => toAttachment(attachment, context))),
  envelopeSender: unsupported,
  metadata: unsupported,
  tags: (draft, value) => void (draft.message.tags = value),
  trackClicks: (draft, value) => void (draft.message.settings = { ...draft.message.settings, track_clicks: value }),
  trackOpens: (draft, value) => void (draft.message.settings = { ...draft.message.settings, track_opens: value }),
  sendAt: (draft, value) => void (draft.message.send_at = Math.floor(value.getTime() / 1000)),
  templateId: (draft, value) => void (draft.message.template_id = value),
  mergeData: (draft, value) => void (draft.mergeData = value),
  mergeGlobalData: (draft, value) => void (draft.mergeGlobalData = value),
  mergeMetadata: unsupported,
  mergeHeaders: unsupported,
  espExtra: (draft, value) => void (draft.extra = value),
});

/** A personalization entry: the global data with the recipient's own on top (MailerSend has no global data). */
function personalization(draft: MailerSendDraft, email: string): MailerSendPersonalization {
  return { email, data: { ...draft.mergeGlobalData, ...draft.mergeData?.[email] } };
}

/** Which endpoint a message with merge data goes to; raises when it needs a batch send mode and has none. */
function batchMode(draft: MailerSendDraft, settings: MailerSendSettings): MailerSendBatchSendMode | undefined {
  if (draft.mergeData === undefined || draft.to.length <= 1) return undefined;
  const mode = draft.extra.batchSendMode ?? settings.batchSendMode;
  if (mode === undefined) {
    // Raised even with ignoreUnsupportedFeatures: there is no safe guess between showing every
    // recipient the whole To list and an asynchronous bulk send.
    throw new AnymailUnsupportedFeature(
      'MailerSend needs a batch send mode to send mergeData to several To recipients: set the batchSendMode option ' +
        "(env MAILERSEND_BATCH_SEND_MODE) or espExtra.batchSendMode to 'use-bulk-email' (one message per recipient, " +
        "checked later by MailerSend) or 'expose-to-list' (one message; every recipient sees the whole To list). " +
        'Or send one message per recipient yourself.',
      { espName: 'MailerSend', feature: 'mergeData' },
    );
  }
  return mode;
}

const bare = (addresses: ParsedAddress[]): string[] => addresses.map((address) => address.addrSpec);

/** After every feature: personalization, batch send mode, espExtra, serialize. */
export function finishMailerSend(draft: MailerSendDraft, _context: PayloadContext, settings: MailerSendSettings): EspRequest<MailerSendRequestContext> {
  const mode = batchMode(draft, settings);
  const { apiToken: tokenOverride, batchSendMode: _mode, ...extraFields } = draft.extra;
  const apiToken = tokenOverride ?? settings.apiToken;
  const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${apiToken}` };
  const message: MailerSendMessage = { ...draft.message };
  if (draft.to.length > 0) message.to = draft.to.map(toAddress);
  if (draft.cc.length > 0) message.cc = draft.cc.map(toAddress);
  if (draft.bcc.length > 0) message.bcc = draft.bcc.map(toAddress);
  const cc = bare(draft.cc);
  const bcc = bare(draft.bcc);
  const personalized = draft.mergeData !== undefined || draft.mergeGlobalData !== undefined;
  const withExtra = (base: MailerSendMessage): MailerSendMessage =>
    Object.keys(extraFields).length > 0 ? deepMerge(base as Record<string, unknown>, extraFields) : base;

  if (mode === 'use-bulk-email') {
    const messages = draft.to.map((to) =>
      withExtra({ ...message, to: [toAddress(to)], ...(personalized ? { personalization: [personalization(draft, to.addrSpec)] } : {}) }),
    );
    const context: MailerSendRequestContext = { endpoint: 'bulk-email', messages: draft.to.map((to) => ({ to: [to.addrSpec], cc, bcc })), apiToken };
    return { method: 'POST', path: 'bulk-email', headers, body: JSON.stringify(messages), context };
  }
  if (personalized) message.personalization = draft.to.map((to) => personalization(draft, to.addrSpec));
  const context: MailerSendRequestContext = { endpoint: 'email', messages: [{ to: bare(draft.to), cc, bcc }], apiToken };
  return { method: 'POST', path: 'email', headers, body: JSON.stringify(withExtra(message)), context };
}
