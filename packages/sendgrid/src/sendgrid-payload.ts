// EmailMessage features → SendGrid v3 Mail Send JSON (built once, stringified once).
import { quoteDisplayName } from '@anymail/core';
import {
  attachmentContent,
  deepMerge,
  defineEspFeatures,
  parseAddressList,
  unsupported,
  type Attachment,
  type EspRequest,
  type JsonObject,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core/esp';
import { checkMergeFieldFormat, type SendGridSettings } from './sendgrid-options.js';
import { buildPersonalizations, stringifyArgs, stringifyHeaders, type RecipientList, type SendGridRequestContext } from './sendgrid-batch.js';
import {
  type SendGridEspExtraParsed,
  type SendGridAddress,
  type SendGridAttachment,
  type SendGridContent,
  type SendGridMailSendBody,
} from './sendgrid-types.js';

/** The request being built: message-level fields in `body`, the rest decided in `finish`. */
export interface SendGridDraft {
  body: Record<string, unknown>;
  to: RecipientList;
  cc?: RecipientList;
  bcc?: RecipientList;
  text?: string;
  html?: string;
  amp?: string;
  otherContent?: SendGridContent[];
  espExtra?: SendGridEspExtraParsed;
}

/** A fresh draft for one message. */
export const newSendGridDraft = (): SendGridDraft => ({ body: {}, to: { addresses: [], emails: [] } });

function toAddress(address: ParsedAddress): SendGridAddress {
  return address.displayName ? { email: address.addrSpec, name: address.displayName } : { email: address.addrSpec };
}

/**
 * A personalization's to/cc/bcc entry. SendGrid writes these names into the header without quoting
 * them, so a name with a comma or another special would split or break the address; send it
 * quoted, as Anymail does (from and reply_to_list are quoted by SendGrid itself).
 */
function toRecipient(address: ParsedAddress): SendGridAddress {
  return address.displayName ? { email: address.addrSpec, name: quoteDisplayName(address.displayName) } : { email: address.addrSpec };
}

function recipientList(addresses: ParsedAddress[]): RecipientList {
  return { addresses: addresses.map(toRecipient), emails: addresses.map((address) => address.addrSpec) };
}

function base64(content: string | Uint8Array): string {
  if (typeof content === 'string') return Buffer.from(content, 'utf8').toString('base64');
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('base64');
}

function toAttachment(attachment: Attachment, context: PayloadContext): SendGridAttachment {
  const result: SendGridAttachment = {
    content: base64(attachmentContent(attachment, context)),
    // SendGrid requires a filename; an inline image may have none, so fall back to its Content-ID.
    filename: attachment.filename ?? attachment.contentId ?? 'attachment',
    type: attachment.mimetype,
  };
  if (attachment.inline) {
    result.disposition = 'inline';
    if (attachment.contentId) result.content_id = attachment.contentId;
  }
  return result;
}

function trackingSettings(draft: SendGridDraft): Record<string, unknown> {
  return ((draft.body.tracking_settings as Record<string, unknown> | undefined) ??= {});
}

export const sendGridFeatures = defineEspFeatures<SendGridDraft, SendGridEspExtraParsed>({
  from: (draft, from, context) => {
    if (from.length > 1) context.unsupported('from', 'multiple from addresses');
    draft.body.from = toAddress(from[0]!);
  },
  to: (draft, to) => (draft.to = recipientList(to)),
  cc: (draft, cc) => (draft.cc = recipientList(cc)),
  bcc: (draft, bcc) => (draft.bcc = recipientList(bcc)),
  replyTo: (draft, replyTo) => (draft.body.reply_to_list = replyTo.map(toAddress)),
  subject: (draft, subject) => (draft.body.subject = subject),
  headers: (draft, headers, context) => {
    const rest: Record<string, string> = {};
    for (const name in headers) {
      // SendGrid refuses Reply-To in headers ("reserved"); honour it as reply_to_list instead.
      if (name.toLowerCase() === 'reply-to') {
        if (!context.features.replyTo) draft.body.reply_to_list = parseAddressList(String(headers[name]), 'headers Reply-To').map(toAddress);
      } else rest[name] = headers[name]!;
    }
    if (Object.keys(rest).length > 0) draft.body.headers = stringifyHeaders(rest);
  },
  textBody: (draft, text) => (draft.text = text),
  htmlBody: (draft, html) => (draft.html = html),
  ampBody: (draft, amp) => (draft.amp = amp),
  alternatives: (draft, alternatives) => {
    draft.otherContent = alternatives.filter((a) => a.content !== '').map((a) => ({ type: a.mimetype, value: a.content }));
  },
  attachments: (draft, attachments, context) => (draft.body.attachments = attachments.map((a) => toAttachment(a, context))),
  envelopeSender: unsupported,
  metadata: (draft, metadata) => (draft.body.custom_args = stringifyArgs(metadata)),
  tags: (draft, tags) => (draft.body.categories = tags),
  trackClicks: (draft, enable) => (trackingSettings(draft).click_tracking = { enable, enable_text: enable }),
  trackOpens: (draft, enable) => (trackingSettings(draft).open_tracking = { enable }),
  sendAt: (draft, sendAt) => (draft.body.send_at = Math.floor(sendAt.getTime() / 1000)),
  templateId: (draft, templateId) => (draft.body.template_id = templateId),
  // Merge data and merge headers are applied per personalization in `finish`.
  mergeData: () => undefined,
  mergeGlobalData: () => undefined,
  mergeMetadata: () => undefined,
  mergeHeaders: () => undefined,
  espExtra: (draft, espExtra) => void (draft.espExtra = espExtra),
});

/** text/plain first, then AMP, then HTML (SendGrid follows Google's AMP part order), then any others. */
function content(draft: SendGridDraft): SendGridContent[] | undefined {
  const parts: SendGridContent[] = [];
  if (draft.text) parts.push({ type: 'text/plain', value: draft.text });
  if (draft.amp) parts.push({ type: 'text/x-amp-html', value: draft.amp });
  if (draft.html) parts.push({ type: 'text/html', value: draft.html });
  if (draft.otherContent) parts.push(...draft.otherContent);
  return parts.length > 0 ? parts : undefined;
}

/** After every feature: personalizations (merge data, headers, ids), content order, espExtra on top. */
export function finishSendGrid(draft: SendGridDraft, context: PayloadContext, options: SendGridSettings): EspRequest<SendGridRequestContext> {
  const { features } = context;
  const extra = draft.espExtra;
  let mergeFieldFormat = options.mergeFieldFormat;
  if (extra?.mergeFieldFormat !== undefined) mergeFieldFormat = checkMergeFieldFormat(extra.mergeFieldFormat, 'espExtra.mergeFieldFormat');
  const { personalizations, context: requestContext } = buildPersonalizations({
    to: draft.to,
    cc: draft.cc,
    bcc: draft.bcc,
    dynamicTemplate: features.templateId?.startsWith('d-') ?? false,
    mergeFieldFormat,
    generateMessageId: options.generateMessageId,
    mergeData: features.mergeData,
    mergeGlobalData: features.mergeGlobalData as JsonObject | undefined,
    mergeMetadata: features.mergeMetadata,
    mergeHeaders: features.mergeHeaders,
    extra: extra?.personalizations as Record<string, unknown> | undefined,
  });
  let body: Record<string, unknown> = { personalizations, ...draft.body };
  const parts = content(draft);
  if (parts) body.content = parts;
  if (extra) {
    const { mergeFieldFormat: _format, personalizations: _each, ...fields } = extra;
    body = deepMerge(body, fields);
  }
  return {
    method: 'POST',
    path: 'mail/send',
    headers: options.headers as Record<string, string>,
    body: JSON.stringify(body as SendGridMailSendBody),
    context: requestContext,
  };
}
