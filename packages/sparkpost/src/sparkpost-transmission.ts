import { deepMerge, formatAddress, type JsonObject, type ParsedAddress, type PayloadContext } from '@anymail/core/esp';
import type {
  SparkPostContent,
  SparkPostDraft,
  SparkPostRecipient,
  SparkPostRequestContext,
  SparkPostTransmission,
} from './sparkpost-payload.js';

const display = (address: ParsedAddress): string => formatAddress(address, { encoding: 'unicode' });
const joined = (addresses: readonly ParsedAddress[]): string => addresses.map(display).join(', ');

/**
 * Content fields a stored template supplies itself: SparkPost refuses subject/text/html next to a
 * template_id (422, code 1301) and silently drops the others, so each is an unsupported feature here.
 */
const TEMPLATE_SUPPLIES: readonly [keyof SparkPostContent, string][] = [
  ['subject', 'subject'],
  ['text', 'textBody'],
  ['html', 'htmlBody'],
  ['amp_html', 'ampBody'],
  ['attachments', 'attachments'],
  ['inline_images', 'attachments'],
  ['headers', 'headers'],
];

/**
 * With a stored template, SparkPost takes From and Reply-To only through `override` (they would be
 * dropped from `content`); every other content field is the template's.
 */
function applyTemplate(draft: SparkPostDraft, context: PayloadContext): void {
  const content = draft.transmission.content;
  const { from, reply_to: replyTo, template_id: templateId } = content;
  if (from) draft.transmission.override = { ...draft.transmission.override, from };
  if (replyTo) draft.transmission.override = { ...draft.transmission.override, reply_to: replyTo };
  const kept: SparkPostContent = { template_id: templateId! };
  for (const [field, feature] of TEMPLATE_SUPPLIES) {
    const value = content[field];
    // An empty subject or body is "not set" (a template message often has subject '').
    if (value === undefined || value === '') continue;
    context.unsupported(feature, 'with templateId (the SparkPost stored template supplies it)');
  }
  if (draft.cc.length > 0) context.unsupported('cc', 'with templateId (a stored template cannot show the Cc header)');
  if (draft.mergeHeaders !== undefined) context.unsupported('mergeHeaders', 'with templateId (a stored template supplies the headers)');
  draft.transmission.content = kept;
}

/**
 * Anymail's merge headers go through SparkPost's template language: each header becomes
 * `{{anymail_header_N}}`, its per-recipient values go in each recipient's substitution_data and its
 * message-level value (if any) in the transmission's, as the default for recipients without one.
 */
function applyMergeHeaders(draft: SparkPostDraft): Map<string, string> {
  const variables = new Map<string, string>(); // lower-case header name → variable
  const content = draft.transmission.content;
  const headers = (content.headers ??= {});
  for (const perRecipient of Object.values(draft.mergeHeaders ?? {})) {
    for (const name of Object.keys(perRecipient)) {
      if (variables.has(name.toLowerCase())) continue;
      const variable = `anymail_header_${variables.size}`;
      variables.set(name.toLowerCase(), variable);
      const existing = Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase());
      if (existing !== undefined) {
        draft.transmission.substitution_data = { ...draft.transmission.substitution_data, [variable]: headers[existing]! };
        delete headers[existing];
      }
      headers[name] = `{{${variable}}}`;
    }
  }
  return variables;
}

function recipientData(draft: SparkPostDraft, email: string, variables: Map<string, string>): Pick<SparkPostRecipient, 'metadata' | 'substitution_data'> {
  const result: Pick<SparkPostRecipient, 'metadata' | 'substitution_data'> = {};
  let substitution: JsonObject | undefined = draft.mergeData?.[email];
  const headers = draft.mergeHeaders?.[email];
  if (headers) {
    substitution = { ...substitution };
    for (const [name, value] of Object.entries(headers)) substitution[variables.get(name.toLowerCase())!] = value;
  }
  if (substitution !== undefined) result.substitution_data = substitution;
  const metadata = draft.mergeMetadata?.[email];
  if (metadata !== undefined) result.metadata = metadata;
  return result;
}

function ownAddress(address: ParsedAddress): SparkPostRecipient['address'] {
  return address.displayName ? { email: address.addrSpec, name: address.displayName } : { email: address.addrSpec };
}

/**
 * The recipients of one transmission. Every recipient gets its own copy; `header_to` says which To
 * it shows (https://www.sparkpost.com/docs/faq/cc-bcc-with-rest-api/):
 * - a plain message: every copy shows all To recipients (or the `headers.To` given), cc and bcc
 *   copies too, and the Cc header is set in the content;
 * - a merge (batch) message: each To recipient's copy shows only itself with its own data, and each
 *   cc/bcc gets one copy per To recipient, with that recipient's To and data.
 */
function buildRecipients(draft: SparkPostDraft, batch: boolean, variables: Map<string, string>): SparkPostRecipient[] {
  const copies = [...draft.cc, ...draft.bcc];
  if (!batch) {
    const headerTo = draft.headerTo ?? (draft.to.length > 0 ? joined(draft.to) : undefined);
    const showsOnlyItself = (address: ParsedAddress) => headerTo === undefined || headerTo === display(address);
    return [...draft.to, ...copies].map((address) => ({
      address: showsOnlyItself(address) ? ownAddress(address) : { email: address.addrSpec, header_to: headerTo },
    }));
  }
  const recipients: SparkPostRecipient[] = [];
  for (const to of draft.to) {
    const data = recipientData(draft, to.addrSpec, variables);
    const headerTo = draft.headerTo ?? display(to);
    recipients.push({ address: draft.headerTo === undefined ? ownAddress(to) : { email: to.addrSpec, header_to: headerTo }, ...data });
    for (const copy of copies) recipients.push({ address: { email: copy.addrSpec, header_to: headerTo }, ...data });
  }
  return recipients;
}

/** After every feature: template rules, recipients, espExtra (merged deeply, winning), the status context. */
export function finishTransmission(
  draft: SparkPostDraft,
  context: PayloadContext,
): { transmission: SparkPostTransmission; requestContext: Omit<SparkPostRequestContext, 'shared' | 'recipientsJson'> } {
  if (draft.transmission.content.template_id !== undefined) applyTemplate(draft, context);
  const batch = draft.to.length > 0 && (draft.mergeData !== undefined || draft.mergeMetadata !== undefined || draft.mergeHeaders !== undefined);
  const variables = batch && draft.mergeHeaders !== undefined ? applyMergeHeaders(draft) : new Map<string, string>();
  const content = draft.transmission.content;
  if (draft.cc.length > 0 && content.template_id === undefined) {
    const headers = (content.headers ??= {});
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'cc')) headers.Cc = joined(draft.cc);
  }
  const { recipients: listRecipients, ...extra } = draft.extra;
  const merged = deepMerge(draft.transmission as Record<string, unknown>, extra as Record<string, unknown>) as Omit<SparkPostTransmission, 'recipients'>;
  if (listRecipients) {
    return { transmission: { ...merged, recipients: listRecipients }, requestContext: { recipients: [], copies: 0, listId: listRecipients.list_id } };
  }
  const recipients = buildRecipients(draft, batch, variables);
  const addresses = [...new Set([...draft.to, ...draft.cc, ...draft.bcc].map((address) => address.addrSpec))];
  return { transmission: { ...merged, recipients }, requestContext: { recipients: addresses, copies: recipients.length, listId: undefined } };
}

