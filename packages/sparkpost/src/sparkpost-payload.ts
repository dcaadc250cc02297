import {
  defineEspFeatures,
  deepMerge,
  formatAddress,
  parseAddressList,
  type Attachment,
  type EmailMessage,
  type JsonObject,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core';
import { assertSparkPostExtraHeaders, sparkPostExtraSchema, type SparkPostExtra } from './sparkpost-extra.js';

/** A recipient of a transmission (https://developers.sparkpost.com/api/recipient-lists/#header-recipient-object). */
export interface SparkPostRecipient {
  /** `header_to` is the To header this copy shows (other To recipients, or the primary one for cc/bcc). */
  address: { email: string; name?: string; header_to?: string };
  metadata?: JsonObject;
  substitution_data?: JsonObject;
}

export interface SparkPostFile {
  name: string;
  type: string;
  data: string;
}

/** Inline or stored-template content (https://developers.sparkpost.com/api/transmissions/#header-request-body). */
export interface SparkPostContent {
  from?: { email: string; name?: string };
  subject?: string;
  text?: string;
  html?: string;
  amp_html?: string;
  reply_to?: string;
  headers?: Record<string, string>;
  attachments?: SparkPostFile[];
  inline_images?: SparkPostFile[];
  template_id?: string;
  use_draft_template?: boolean;
  ab_test_id?: string;
}

/** A transmission: `POST /api/v1/transmissions`. */
export interface SparkPostTransmission {
  recipients: SparkPostRecipient[] | { list_id: string };
  content: SparkPostContent;
  options?: NonNullable<SparkPostExtra['options']>;
  override?: NonNullable<SparkPostExtra['override']>;
  campaign_id?: string;
  description?: string;
  metadata?: JsonObject;
  substitution_data?: JsonObject;
  return_path?: string;
  tracking_domain?: string;
}

/** What the feature table fills; `finishTransmission` turns it into a transmission. */
export interface SparkPostDraft {
  transmission: Omit<SparkPostTransmission, 'recipients'>;
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  /** A To header given in `headers`: the To every copy shows. */
  headerTo: string | undefined;
  /** Per-recipient data: each To recipient gets a copy showing only itself (SparkPost "batch"). */
  mergeData?: Record<string, JsonObject>;
  mergeMetadata?: Record<string, JsonObject>;
  mergeHeaders?: Record<string, Record<string, string>>;
  extra: SparkPostExtra;
  /** Rendered message/rfc822 attachments. */
  rfc822: ReadonlyMap<EmailMessage, Uint8Array>;
}

export function newSparkPostDraft(rfc822: ReadonlyMap<EmailMessage, Uint8Array> = new Map()): SparkPostDraft {
  return { transmission: { content: {} }, to: [], cc: [], bcc: [], headerTo: undefined, extra: {}, rfc822 };
}

const display = (address: ParsedAddress): string => formatAddress(address, { encoding: 'unicode' });
const joined = (addresses: readonly ParsedAddress[]): string => addresses.map(display).join(', ');

function base64(content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return bytes.toString('base64');
}

function toFile(attachment: Attachment, draft: SparkPostDraft, name: string): SparkPostFile {
  const content =
    typeof attachment.content === 'string' || attachment.content instanceof Uint8Array ? attachment.content : draft.rfc822.get(attachment.content)!;
  return { name, type: attachment.mimetype, data: base64(content) };
}

function options(draft: SparkPostDraft): NonNullable<SparkPostTransmission['options']> {
  draft.transmission.options ??= {};
  return draft.transmission.options;
}

/** `YYYY-MM-DDTHH:MM:SS+00:00`, the form SparkPost documents for `start_time` (UTC, whole seconds). */
export function sparkPostStartTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

/** Headers SparkPost builds itself and refuses in `content.headers` (Header Notes of the transmissions reference). */
const GENERATED_HEADERS = new Set(['content-type', 'content-transfer-encoding', 'mime-version']);

export const sparkPostFeatures = defineEspFeatures<SparkPostDraft>({
  from: (draft, from, context) => {
    if (from.length > 1) context.unsupported('from', 'multiple From addresses (SparkPost refuses them)');
    const [first] = from;
    draft.transmission.content.from = first!.displayName ? { email: first!.addrSpec, name: first!.displayName } : { email: first!.addrSpec };
  },
  to: (draft, to) => void (draft.to = to),
  cc: (draft, cc) => void (draft.cc = cc),
  bcc: (draft, bcc) => void (draft.bcc = bcc),
  replyTo: (draft, replyTo) => void (draft.transmission.content.reply_to = joined(replyTo)),
  subject: (draft, subject) => void (draft.transmission.content.subject = subject),
  headers: (draft, headers, context) => {
    const rest: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      // SparkPost writes To from each recipient's header_to, and Reply-To from content.reply_to.
      if (lower === 'to') draft.headerTo = joined(parseAddressList(value, 'headers.To'));
      else if (lower === 'reply-to') {
        if (!context.features.replyTo) draft.transmission.content.reply_to = joined(parseAddressList(value, 'headers.Reply-To'));
      } else if (GENERATED_HEADERS.has(lower)) context.unsupported('headers', `${name} (SparkPost generates it)`);
      else rest[name] = value;
    }
    if (Object.keys(rest).length > 0) draft.transmission.content.headers = rest;
  },
  textBody: (draft, text) => void (draft.transmission.content.text = text),
  htmlBody: (draft, html) => void (draft.transmission.content.html = html),
  ampBody: (draft, amp) => void (draft.transmission.content.amp_html = amp),
  alternatives: (_draft, alternatives, context) => {
    if (alternatives.length > 0) context.unsupported('alternatives', `${alternatives[0]!.mimetype} (SparkPost takes text, html and amp_html only)`);
  },
  attachments: (draft, attachments, context) => {
    const content = draft.transmission.content;
    for (const attachment of attachments) {
      if (attachment.inline) {
        // SparkPost writes `name` as the Content-ID; the HTML refers to it as cid:<name>.
        if (!attachment.contentId) context.unsupported('attachments', 'an inline attachment without a Content-ID');
        else (content.inline_images ??= []).push(toFile(attachment, draft, attachment.contentId));
      } else {
        const name = attachment.filename ?? (attachment.mimetype === 'message/rfc822' ? 'message.eml' : 'attachment');
        (content.attachments ??= []).push(toFile(attachment, draft, name));
      }
    }
  },
  // SparkPost may keep only the domain and put its own bounce mailbox before the @ (non-Enterprise).
  envelopeSender: (draft, sender) => void (draft.transmission.return_path = sender.addrSpec),
  metadata: (draft, metadata) => void (draft.transmission.metadata = metadata),
  tags: (draft, tags, context) => {
    if (tags.length > 1) context.unsupported('tags', 'multiple tags (SparkPost has one campaign_id)');
    if (tags.length > 0) draft.transmission.campaign_id = tags[0]!;
  },
  trackClicks: (draft, enable) => void (options(draft).click_tracking = enable),
  trackOpens: (draft, enable) => void (options(draft).open_tracking = enable),
  sendAt: (draft, sendAt) => void (options(draft).start_time = sparkPostStartTime(sendAt)),
  templateId: (draft, templateId) => void (draft.transmission.content.template_id = templateId),
  mergeData: (draft, mergeData) => void (draft.mergeData = mergeData),
  mergeGlobalData: (draft, data) => void (draft.transmission.substitution_data = { ...data }),
  mergeMetadata: (draft, mergeMetadata) => void (draft.mergeMetadata = mergeMetadata),
  mergeHeaders: (draft, mergeHeaders) => void (draft.mergeHeaders = mergeHeaders),
  espExtra: (draft, extra) => void (draft.extra = parseSparkPostExtra(extra)),
});

/** espExtra, checked (the kit applies the one espExtra policy before this in the definition). */
function parseSparkPostExtra(value: Record<string, unknown>): SparkPostExtra {
  const extra = sparkPostExtraSchema.parse(value);
  assertSparkPostExtraHeaders(extra);
  return extra;
}

/** What a transmission's answer is read against. */
export interface SparkPostRequestContext {
  /** Every recipient address (bare), in request order: one status each. */
  recipients: string[];
  /** How many recipient objects the transmission has (cc/bcc copies of a merge send count once per To). */
  copies: number;
  /** Sent to a stored recipient list (`espExtra.recipients.list_id`): the addresses are SparkPost's. */
  listId: string | undefined;
}
