import {
  attachmentContent,
  defineEspFeatures,
  unsupported,
  formatAddress,
  parseAddressList,
  type Attachment,
  type EspRequest,
  type JsonObject,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core/esp';
import type { SparkPostExtra } from './sparkpost-extra.js';
import type { SparkPostSettings } from './sparkpost-options.js';
import { finishTransmission } from './sparkpost-transmission.js';

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
}

export function newSparkPostDraft(): SparkPostDraft {
  return { transmission: { content: {} }, to: [], cc: [], bcc: [], headerTo: undefined, extra: {} };
}

const display = (address: ParsedAddress): string => formatAddress(address, { encoding: 'unicode' });
const joined = (addresses: readonly ParsedAddress[]): string => addresses.map(display).join(', ');

function base64(content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return bytes.toString('base64');
}

function toFile(attachment: Attachment, context: PayloadContext, name: string): SparkPostFile {
  return { name, type: attachment.mimetype, data: base64(attachmentContent(attachment, context)) };
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

export const sparkPostFeatures = defineEspFeatures<SparkPostDraft, SparkPostExtra>({
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
  // SparkPost takes text, html and amp_html only (content.text / html / amp_html).
  alternatives: unsupported,
  attachments: (draft, attachments, context) => {
    const content = draft.transmission.content;
    for (const attachment of attachments) {
      if (attachment.inline) {
        // SparkPost writes `name` as the Content-ID; the HTML refers to it as cid:<name>.
        if (!attachment.contentId) context.unsupported('attachments', 'an inline attachment without a Content-ID');
        else (content.inline_images ??= []).push(toFile(attachment, context, attachment.contentId));
      } else {
        const name = attachment.filename ?? (attachment.mimetype === 'message/rfc822' ? 'message.eml' : 'attachment');
        (content.attachments ??= []).push(toFile(attachment, context, name));
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
  // Parsed and header-checked by the kit (the one espExtra policy); merged deeply in finish.
  espExtra: (draft, extra) => void (draft.extra = extra),
});

/** What a transmission's answer is read against. */
export interface SparkPostRequestContext {
  /** Every recipient address (bare), in request order: one status each. */
  recipients: string[];
  /** How many recipient objects the transmission has (cc/bcc copies of a merge send count once per To). */
  copies: number;
  /** Sent to a stored recipient list (`espExtra.recipients.list_id`): the addresses are SparkPost's. */
  listId: string | undefined;
  /**
   * The JSON of the transmission without `recipients`, and of its recipients array: the body is
   * the two joined, and `sendMessages` combines messages whose `shared` part is the same into one
   * multi-recipient transmission (sparkpost-batch.ts) without parsing anything again.
   */
  shared: string;
  recipientsJson: string;
}

/** After every feature: the transmission (sparkpost-transmission.ts), as a `POST transmissions` request. */
export function finishSparkPost(draft: SparkPostDraft, context: PayloadContext, settings: SparkPostSettings): EspRequest<SparkPostRequestContext> {
  const { transmission, requestContext } = finishTransmission(draft, context);
  const { recipients, ...rest } = transmission;
  const shared = JSON.stringify(rest);
  const recipientsJson = JSON.stringify(recipients);
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: settings.apiKey };
  if (settings.subaccount !== undefined) headers['x-msys-subaccount'] = settings.subaccount;
  return {
    method: 'POST',
    path: 'transmissions',
    headers,
    body: transmissionBody(shared, recipientsJson),
    context: { ...requestContext, shared, recipientsJson },
  };
}

/** `{...shared fields, "recipients": [...]}` from the two JSON parts (shared is a non-empty object: it has content). */
export function transmissionBody(shared: string, recipientsJson: string): string {
  return `${shared.slice(0, -1)},"recipients":${recipientsJson}}`;
}
