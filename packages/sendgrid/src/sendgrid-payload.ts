// EmailMessage features → SendGrid v3 Mail Send JSON (built once, stringified once).
import {
  AnymailError,
  applyFeatures,
  deepMerge,
  defineEspFeatures,
  parseAddressList,
  quoteDisplayName,
  unsupported,
  type Attachment,
  type EmailMessage,
  type EspRequest,
  type JsonObject,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core';
import { assertSendGridExtraHeaders } from './sendgrid-header-check.js';
import { checkMergeFieldFormat, type ResolvedSendGridOptions } from './sendgrid-options.js';
import { buildPersonalizations, stringifyArgs, stringifyHeaders, type RecipientList } from './sendgrid-personalizations.js';
import {
  sendGridEspExtraSchema,
  type SendGridAddress,
  type SendGridAttachment,
  type SendGridContent,
  type SendGridMailSendBody,
} from './sendgrid-types.js';

/** The request being built: message-level fields in `body`, the rest decided in `finish`. */
interface SendGridDraft {
  body: Record<string, unknown>;
  to: RecipientList;
  cc?: RecipientList;
  bcc?: RecipientList;
  text?: string;
  html?: string;
  amp?: string;
  otherContent?: SendGridContent[];
  /** Attachments whose content (a whole message) is rendered asynchronously. */
  pending?: Promise<void>[];
  espExtra?: Record<string, unknown>;
}

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

function toAttachment(attachment: Attachment, draft: SendGridDraft): SendGridAttachment {
  const result: SendGridAttachment = {
    content: '',
    // SendGrid requires a filename; an inline image may have none, so fall back to its Content-ID.
    filename: attachment.filename ?? attachment.contentId ?? 'attachment',
    type: attachment.mimetype,
  };
  if (attachment.inline) {
    result.disposition = 'inline';
    if (attachment.contentId) result.content_id = attachment.contentId;
  }
  const content = attachment.content;
  if (typeof content === 'string' || content instanceof Uint8Array) result.content = base64(content);
  else {
    (draft.pending ??= []).push(
      content.message().then((bytes) => {
        result.content = base64(bytes);
      }),
    );
  }
  return result;
}

function trackingSettings(draft: SendGridDraft): Record<string, unknown> {
  return ((draft.body.tracking_settings as Record<string, unknown> | undefined) ??= {});
}

export const sendGridFeatures = defineEspFeatures<SendGridDraft>({
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
  attachments: (draft, attachments) => (draft.body.attachments = attachments.map((a) => toAttachment(a, draft))),
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
  espExtra: (draft, espExtra) => {
    const parsed = sendGridEspExtraSchema.safeParse(espExtra);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(espExtra)'}: ${issue.message}`).join('; ');
      throw new AnymailError(`SendGrid espExtra is not valid: ${problems}. Use SendGrid's Mail Send field names (snake_case).`, {
        code: 'ANYMAIL_INVALID_ESP_EXTRA',
        category: 'invalid-request',
        espName: 'SendGrid',
      });
    }
    assertSendGridExtraHeaders(parsed.data);
    draft.espExtra = espExtra;
  },
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

function finish(draft: SendGridDraft, context: PayloadContext, options: ResolvedSendGridOptions, headers: Record<string, string>): EspRequest {
  const { features } = context;
  const extra = draft.espExtra;
  let mergeFieldFormat = options.mergeFieldFormat;
  if (extra?.mergeFieldFormat !== undefined) mergeFieldFormat = checkMergeFieldFormat(extra.mergeFieldFormat as string, 'espExtra.mergeFieldFormat');
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
    headers,
    body: JSON.stringify(body as SendGridMailSendBody),
    context: requestContext,
  };
}

/** Build the Mail Send request for one message. Async only when an attachment is a whole message. */
export function buildSendGridRequest(
  _message: EmailMessage,
  context: PayloadContext,
  options: ResolvedSendGridOptions,
  headers: Record<string, string>,
): EspRequest | Promise<EspRequest> {
  const draft = applyFeatures<SendGridDraft>(sendGridFeatures, { body: {}, to: { addresses: [], emails: [] } }, context);
  if (draft.pending) return Promise.all(draft.pending).then(() => finish(draft, context, options, headers));
  return finish(draft, context, options, headers);
}
