import { formatAddress, type JsonObject, type PayloadContext } from '@anymail/core';
import { asciiHeaderValue, metadataHeaderValue, sesAttachment, type SesDraft, type SesMessageTag } from './ses-payload.js';

/** SendBulkEmail takes at most this many entries. */
export const SES_MAX_BULK_ENTRIES = 50;

interface SesHeader {
  Name: string;
  Value: string;
}

/** Headers in order; a later header of the same name (case-insensitive) replaces an earlier one. */
function headerList(pairs: Iterable<[string, string]>): SesHeader[] {
  const byName = new Map<string, SesHeader>();
  for (const [name, value] of pairs) byName.set(name.toLowerCase(), { Name: name, Value: asciiHeaderValue(value) });
  return [...byName.values()];
}

/**
 * A SendBulkEmail body: the template (by name, or by ARN when templateId starts with 'arn:')
 * with mergeGlobalData as its default data, and one entry per to-recipient carrying that
 * recipient's mergeData, mergeHeaders and mergeMetadata (as X-Metadata).
 */
export async function buildSesBulkBody(
  draft: SesDraft,
  context: PayloadContext,
  tags: SesMessageTag[],
): Promise<{ body: Record<string, unknown>; recipients: string[] }> {
  const { features } = draft;
  const to = features.to ?? [];
  if (to.length > SES_MAX_BULK_ENTRIES) {
    context.unsupported('to', `more than ${SES_MAX_BULK_ENTRIES} recipients with templateId (one SendBulkEmail takes ${SES_MAX_BULK_ENTRIES} entries)`);
  }
  const templateId = features.templateId!;
  const template: Record<string, unknown> = templateId.startsWith('arn:') ? { TemplateArn: templateId } : { TemplateName: templateId };
  template.TemplateData = JSON.stringify(features.mergeGlobalData ?? {});
  // Anymail's own headers first, so the message's headers replace them.
  const headers = headerList([...draft.extraHeaders, ...Object.entries(features.headers ?? {})]);
  if (headers.length > 0) template.Headers = headers;
  if (features.attachments !== undefined) template.Attachments = await Promise.all(features.attachments.map(sesAttachment));

  const entries = to.map((address) => {
    const key = address.addrSpec;
    const entry: Record<string, unknown> = {
      Destination: { ToAddresses: [formatAddress(address)] },
      ReplacementEmailContent: { ReplacementTemplate: { ReplacementTemplateData: JSON.stringify(features.mergeData?.[key] ?? {}) } },
    };
    const replacements: Array<[string, string]> = Object.entries(features.mergeHeaders?.[key] ?? {});
    const recipientMetadata = features.mergeMetadata?.[key];
    if (recipientMetadata !== undefined) {
      const metadata: JsonObject = { ...features.metadata, ...recipientMetadata };
      replacements.unshift(['X-Metadata', metadataHeaderValue(metadata)]);
    }
    if (replacements.length > 0) entry.ReplacementHeaders = headerList(replacements);
    return entry;
  });

  const body: Record<string, unknown> = { ...draft.fields, DefaultContent: { Template: template }, BulkEmailEntries: entries };
  if (tags.length > 0) body.DefaultEmailTags = tags;
  return { body, recipients: to.map((address) => address.addrSpec) };
}
