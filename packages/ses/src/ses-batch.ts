import { attachmentContent, formatAddress, type Attachment, type JsonObject, type PayloadContext } from '@anymail/core/esp';
import { MAX_HEADER_VALUE, asciiHeaderValue, metadataHeaderValue, type SesDraft, type SesMessageTag } from './ses-payload.js';

// SES has no endpoint for several different messages in one request, so SesBackend has no
// `combine`: a templated message (templateId) is one SendBulkEmail, one entry per to-recipient.

/** SendBulkEmail takes at most this many entries. */
export const SES_MAX_BULK_ENTRIES = 50;

interface SesHeader {
  Name: string;
  Value: string;
}

/** Anymail's headers (X-Metadata, X-Tag — repeatable) then the message's; a message header replaces Anymail's of the same name. */
function headerList(anymail: ReadonlyArray<[string, string]>, own: ReadonlyArray<[string, string]>): SesHeader[] {
  const ownNames = new Set(own.map(([name]) => name.toLowerCase()));
  return [...anymail.filter(([name]) => !ownNames.has(name.toLowerCase())), ...own].map(([name, value]) => ({ Name: name, Value: asciiHeaderValue(value) }));
}

/** An attachment as an SES v2 `Attachment` (an attached message as the bytes the kit rendered). */
export function sesAttachment(attachment: Attachment, context: PayloadContext): Record<string, unknown> {
  const attached = typeof attachment.content !== 'string' && !(attachment.content instanceof Uint8Array);
  const content = attachmentContent(attachment, context);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const result: Record<string, unknown> = {
    RawContent: bytes.toString('base64'),
    FileName: attachment.filename ?? (attached ? 'message.eml' : 'attachment'),
    ContentType: attached ? 'message/rfc822' : attachment.mimetype,
    ContentDisposition: attachment.inline ? 'INLINE' : 'ATTACHMENT',
    ContentTransferEncoding: 'BASE64',
  };
  if (attachment.contentId !== undefined) result.ContentId = attachment.contentId.replace(/[<>]/g, '');
  return result;
}

/**
 * A SendBulkEmail body: the template (by name, or by ARN when templateId starts with 'arn:')
 * with mergeGlobalData as its default data, and one entry per to-recipient carrying that
 * recipient's mergeData, mergeHeaders and mergeMetadata (as X-Metadata), and every cc and bcc.
 */
export function buildSesBulkBody(draft: SesDraft, context: PayloadContext, tags: SesMessageTag[]): { body: Record<string, unknown>; recipients: string[] } {
  const { features } = draft;
  const to = features.to ?? [];
  if (to.length > SES_MAX_BULK_ENTRIES) {
    context.unsupported('to', `more than ${SES_MAX_BULK_ENTRIES} recipients with templateId (one SendBulkEmail takes ${SES_MAX_BULK_ENTRIES} entries)`);
  }
  const templateId = features.templateId!;
  const template: Record<string, unknown> = templateId.startsWith('arn:') ? { TemplateArn: templateId } : { TemplateName: templateId };
  template.TemplateData = JSON.stringify(features.mergeGlobalData ?? {});
  // Anymail's own headers first, so the message's headers replace them.
  const headers = headerList(draft.extraHeaders, Object.entries(features.headers ?? {}));
  if (headers.length > 0) template.Headers = headers;
  if (features.attachments !== undefined) template.Attachments = features.attachments.map((attachment) => sesAttachment(attachment, context));

  // cc and bcc are on every entry (as Anymail does): they get a copy of each to-recipient's message.
  const copies: Record<string, string[]> = {};
  if (features.cc !== undefined) copies.CcAddresses = features.cc.map((address) => formatAddress(address));
  if (features.bcc !== undefined) copies.BccAddresses = features.bcc.map((address) => formatAddress(address));
  const entries = to.map((address) => {
    const key = address.addrSpec;
    const entry: Record<string, unknown> = {
      Destination: { ToAddresses: [formatAddress(address)], ...copies },
      ReplacementEmailContent: { ReplacementTemplate: { ReplacementTemplateData: JSON.stringify(features.mergeData?.[key] ?? {}) } },
    };
    const anymail: Array<[string, string]> = [];
    const recipientMetadata = features.mergeMetadata?.[key];
    if (recipientMetadata !== undefined) {
      const metadata: JsonObject = { ...features.metadata, ...recipientMetadata };
      const json = metadataHeaderValue(metadata);
      if (json.length > MAX_HEADER_VALUE) context.unsupported('mergeMetadata', `over ${MAX_HEADER_VALUE} characters as JSON (SES header value limit)`);
      else anymail.push(['X-Metadata', json]);
    }
    const replacements = headerList(anymail, Object.entries(features.mergeHeaders?.[key] ?? {}));
    if (replacements.length > 0) entry.ReplacementHeaders = replacements;
    return entry;
  });

  const body: Record<string, unknown> = { ...draft.fields, DefaultContent: { Template: template }, BulkEmailEntries: entries };
  if (tags.length > 0) body.DefaultEmailTags = tags;
  return { body, recipients: to.map((address) => address.addrSpec) };
}
