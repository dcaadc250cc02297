import {
  attachmentContent,
  defineEspFeatures,
  parseAddressList,
  unsupported,
  type Attachment,
  type EspRequest,
  type JsonObject,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core/esp';
import type { MailjetExtra } from './mailjet-extra.js';
import { formatEventPayload } from './mailjet-metadata.js';
import type { MailjetSettings } from './mailjet-options.js';

/** `{Email, Name}` as Mailjet's Send API v3.1 takes every address. */
export interface MailjetContact {
  Email: string;
  Name?: string;
}

export interface MailjetAttachment {
  ContentType: string;
  Filename: string;
  Base64Content: string;
}

export interface MailjetInlinedAttachment extends MailjetAttachment {
  ContentID: string;
}

type Tracking = 'account_default' | 'disabled' | 'enabled';

/** One entry of `Messages` (https://dev.mailjet.com/email/reference/send-emails#v3_1_post_send). */
export interface MailjetMessage {
  From?: MailjetContact;
  Sender?: MailjetContact;
  To?: MailjetContact[];
  Cc?: MailjetContact[];
  Bcc?: MailjetContact[];
  ReplyTo?: MailjetContact;
  Subject?: string;
  TextPart?: string;
  HTMLPart?: string;
  /** A number; a non-numeric id is passed on as given and Mailjet refuses it (mj-0004). */
  TemplateID?: number | string;
  TemplateLanguage?: boolean;
  TemplateErrorReporting?: MailjetContact;
  TemplateErrorDeliver?: boolean;
  Variables?: Record<string, unknown>;
  Attachments?: MailjetAttachment[];
  InlinedAttachments?: MailjetInlinedAttachment[];
  Headers?: Record<string, string>;
  CustomID?: string;
  EventPayload?: string;
  CustomCampaign?: string;
  DeduplicateCampaign?: boolean;
  Priority?: number;
  TrackOpens?: Tracking;
  TrackClicks?: Tracking;
  URLTags?: string;
  MonitoringCategory?: string;
}

/** The recipients (bare addresses) of one `Messages` entry, for reading its result. */
export interface MailjetEntryRecipients {
  to: string[];
  cc: string[];
  bcc: string[];
}

/** The draft the feature table fills; `finish` turns it into `Messages` entries. */
export interface MailjetDraft {
  message: MailjetMessage;
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  /** One entry per `to` (merge data, merge metadata or merge headers). */
  batch: boolean;
  metadata?: JsonObject;
  mergeData?: Record<string, JsonObject>;
  mergeMetadata?: Record<string, JsonObject>;
  mergeHeaders?: Record<string, Record<string, string>>;
  extra: MailjetExtra;
}

/** What the response handler (and the batch) read back from a request. */
export interface MailjetRequestContext {
  /** The recipients of each `Messages` entry, in order. */
  entries: MailjetEntryRecipients[];
  /** The entries as JSON, comma-joined (a combined request joins these without re-serializing). */
  messagesJson: string;
  /** Request-level `SandboxMode` (espExtra). */
  sandbox: boolean;
}

export const newMailjetDraft = (): MailjetDraft => ({ message: {}, to: [], cc: [], bcc: [], batch: false, extra: {} });

/** `{Email, Name}`: the bare address, and the display name when there is one. */
export function contact(address: ParsedAddress): MailjetContact {
  return address.displayName ? { Email: address.addrSpec, Name: address.displayName } : { Email: address.addrSpec };
}

function base64(content: string | Uint8Array): string {
  return (typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength)).toString('base64');
}

function addAttachment(draft: MailjetDraft, attachment: Attachment, context: PayloadContext): void {
  const content = attachmentContent(attachment, context);
  // Mailjet requires a filename on every attachment and inline part (mj-0012 when empty).
  const entry: MailjetAttachment = {
    ContentType: attachment.mimetype,
    Filename: attachment.filename || (attachment.mimetype === 'message/rfc822' ? 'message.eml' : 'attachment'),
    Base64Content: base64(content),
  };
  if (attachment.inline && attachment.contentId) {
    (draft.message.InlinedAttachments ??= []).push({ ...entry, ContentID: attachment.contentId });
  } else {
    (draft.message.Attachments ??= []).push(entry);
  }
}

function setReplyTo(draft: MailjetDraft, addresses: ParsedAddress[], context: PayloadContext): void {
  if (addresses.length === 0) return;
  if (addresses.length > 1) context.unsupported('replyTo', 'multiple Reply-To addresses (Mailjet takes one)');
  draft.message.ReplyTo = contact(addresses[0]!);
}

const tracking = (enabled: boolean): Tracking => (enabled ? 'enabled' : 'disabled');

/** Every Anymail feature → Mailjet Send API v3.1 (README "Features" explains each choice). */
export const mailjetFeatures = defineEspFeatures<MailjetDraft, MailjetExtra>({
  from: (draft, value, context) => {
    if (value.length > 1) context.unsupported('from', 'multiple From addresses (Mailjet takes one)');
    draft.message.From = contact(value[0]!);
  },
  to: (draft, value) => void (draft.to = value),
  cc: (draft, value) => void (draft.cc = value),
  bcc: (draft, value) => void (draft.bcc = value),
  replyTo: (draft, value, context) => setReplyTo(draft, value, context),
  subject: (draft, value) => void (draft.message.Subject = value),
  headers: (draft, value, context) => {
    const rest: Record<string, string> = {};
    for (const [name, item] of Object.entries(value)) {
      // Mailjet refuses headers that have a property (send-0011): a Reply-To header becomes ReplyTo.
      if (name.toLowerCase() === 'reply-to') {
        if (!context.features.replyTo) setReplyTo(draft, parseAddressList(item, 'headers Reply-To'), context);
      } else rest[name] = item;
    }
    if (Object.keys(rest).length > 0) draft.message.Headers = rest;
  },
  textBody: (draft, value) => void (draft.message.TextPart = value),
  htmlBody: (draft, value) => void (draft.message.HTMLPart = value),
  ampBody: unsupported,
  alternatives: unsupported,
  attachments: (draft, value, context) => value.forEach((attachment) => addAttachment(draft, attachment, context)),
  // Mailjet's `Sender` (permission from Mailjet support needed: send-0006/send-0007 otherwise).
  envelopeSender: (draft, value) => void (draft.message.Sender = { Email: value.addrSpec }),
  metadata: (draft, value) => void (draft.metadata = value),
  tags: (draft, value, context) => {
    if (value.length > 1) context.unsupported('tags', 'multiple tags (Mailjet allows one CustomCampaign)');
    draft.message.CustomCampaign = value[0]!;
  },
  trackClicks: (draft, value) => void (draft.message.TrackClicks = tracking(value)),
  trackOpens: (draft, value) => void (draft.message.TrackOpens = tracking(value)),
  sendAt: unsupported,
  templateId: (draft, value) => {
    // Mailjet template ids are numbers ("176375" → 176375). Anything else is passed on as given, and
    // Mailjet answers with its own type error (mj-0004) naming TemplateID: it validates ids itself.
    const id = Number(value);
    draft.message.TemplateID = /^\d+$/.test(value.trim()) && Number.isSafeInteger(id) ? id : value;
    draft.message.TemplateLanguage = true;
  },
  mergeData: (draft, value) => {
    draft.batch = true;
    draft.mergeData = value;
  },
  mergeGlobalData: (draft, value) => void (draft.message.Variables = { ...value }),
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

const bare = (addresses: ParsedAddress[]): string[] => addresses.map((address) => address.addrSpec);

/** The base message with espExtra merged in: extra fields under Anymail's own for Variables and Headers. */
function withExtra(draft: MailjetDraft): MailjetMessage {
  const { SandboxMode: _requestLevel, Variables, Headers, ...fields } = draft.extra;
  const message: MailjetMessage = { ...draft.message, ...fields };
  if (Variables || draft.message.Variables) message.Variables = { ...Variables, ...draft.message.Variables };
  if (Headers || draft.message.Headers) message.Headers = { ...Headers, ...draft.message.Headers };
  // Variables without a stored template: Mailjet renders [[var:name]] in the parts only with TemplateLanguage.
  if ((message.Variables || draft.mergeData) && message.TemplateLanguage === undefined) message.TemplateLanguage = true;
  if (message.Headers && Object.keys(message.Headers).length === 0) delete message.Headers;
  return message;
}

/**
 * The `Messages` entries of one Anymail message: one, or one per `to` for a merge send (each with its
 * own Variables, EventPayload and Headers; cc and bcc get a copy per entry).
 */
export function mailjetEntries(draft: MailjetDraft): { entries: MailjetMessage[]; recipients: MailjetEntryRecipients[] } {
  const base = withExtra(draft);
  const cc = draft.cc.map(contact);
  const bcc = draft.bcc.map(contact);
  if (cc.length > 0) base.Cc = cc;
  if (bcc.length > 0) base.Bcc = bcc;
  const payloadOverride = draft.extra.EventPayload;
  const toPerEntry = draft.batch && draft.to.length > 0 ? draft.to.map((to) => [to]) : [draft.to];
  const entries = toPerEntry.map((to) => {
    const entry: MailjetMessage = { ...base };
    if (to.length > 0) entry.To = to.map(contact);
    const address = draft.batch ? to[0]?.addrSpec : undefined;
    const data = address !== undefined ? draft.mergeData?.[address] : undefined;
    if (data) entry.Variables = { ...entry.Variables, ...data };
    const metadata = address !== undefined ? draft.mergeMetadata?.[address] : undefined;
    if (payloadOverride === undefined && (draft.metadata || metadata)) entry.EventPayload = formatEventPayload({ ...draft.metadata, ...metadata });
    const headers = address !== undefined ? draft.mergeHeaders?.[address] : undefined;
    if (headers) entry.Headers = { ...entry.Headers, ...headers };
    return entry;
  });
  const recipients = toPerEntry.map((to) => ({ to: bare(to), cc: bare(draft.cc), bcc: bare(draft.bcc) }));
  return { entries, recipients };
}

/** The request body around already-serialized entries. */
export function sendBody(messagesJson: string, sandbox: boolean): string {
  return `{"Messages":[${messagesJson}]${sandbox ? ',"SandboxMode":true' : ''}}`;
}

/** After every feature: the `Messages` entries, then `POST <apiUrl>send` with basic auth. */
export function finishMailjet(draft: MailjetDraft, _context: PayloadContext, settings: MailjetSettings): EspRequest<MailjetRequestContext> {
  const { entries, recipients } = mailjetEntries(draft);
  const messagesJson = entries.map((entry) => JSON.stringify(entry)).join(',');
  const sandbox = draft.extra.SandboxMode === true;
  return {
    method: 'POST',
    path: 'send',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: settings.authorization },
    body: sendBody(messagesJson, sandbox),
    context: { entries: recipients, messagesJson, sandbox },
  };
}
