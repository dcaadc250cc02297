import { parseAddress, parseAddressList, type ParsedAddress } from '../address.js';
import { AnymailInvalidAddress } from '../errors.js';
import type { EmailMessage, JsonObject } from '../message.js';
import { deepMerge, type SendDefaults } from '../message-defaults.js';
import { getSettings } from '../settings.js';
import type { MessageFeatures } from './esp-features.js';

export type { SendDefaults } from '../message-defaults.js';
export { deepMerge } from '../message-defaults.js';

function nonEmpty<T extends object>(value: T | undefined): T | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length > 0 ? value : undefined;
  return Object.keys(value).length > 0 ? value : undefined;
}

function mergeObjects<T extends object>(defaults: T | undefined, value: T | undefined): T | undefined {
  if (defaults === undefined) return value;
  if (value === undefined) return defaults;
  return { ...defaults, ...value };
}

function toList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/**
 * Django's and Anymail's rule, for every ESP: a From header replaces the From the recipients
 * see, and `from` becomes the envelope sender (unless `envelopeSender` is set, or `from` is the
 * same address). The header leaves `headers`, so each ESP sends it in its own from field.
 */
function applyFromHeader(features: Partial<MessageFeatures>, headers: Record<string, string>, from: string | undefined): ParsedAddress | undefined {
  let name: string | undefined;
  for (const key in headers) if (key.toLowerCase() === 'from') name = key;
  if (name === undefined) return undefined;
  const headerFrom = parseAddressList(headers[name]!, 'headers.From');
  if (headerFrom.length === 0) {
    throw new AnymailInvalidAddress(`headers.From is blank (${JSON.stringify(headers[name])}). Give an address such as 'Name <user@example.com>', or remove the header.`);
  }
  const rest = { ...headers };
  delete rest[name];
  if (Object.keys(rest).length > 0) features.headers = rest;
  else delete features.headers;
  features.from = headerFrom;
  if (!from) return undefined;
  // The envelope has one sender: a from list cannot be one.
  const envelope = parseAddress(from, 'from (the envelope sender when headers.From is set)');
  return headerFrom.length === 1 && headerFrom[0]!.addrSpec === envelope.addrSpec ? undefined : envelope;
}

/**
 * Combine a message with send defaults by Anymail's rules (scalars: the message wins;
 * lists: concatenated; objects: merged, espExtra deeply) and normalize it into features.
 * Absent or empty features are left undefined, except the merge* objects, where `{}` still
 * means "batch send".
 */
export function resolveFeatures(message: EmailMessage, defaults: SendDefaults = {}): Partial<MessageFeatures> {
  const features: Partial<MessageFeatures> = {};
  const from = message.from || defaults.from || getSettings().defaultFromEmail;
  if (from) {
    features.from = parseAddressList(from, 'from');
    // A blank sender (only spaces) parses to no address: say so here, not in each ESP's payload.
    if (features.from.length === 0) throw new AnymailInvalidAddress(`from is blank (${JSON.stringify(from)}). Set a sender such as 'Name <user@example.com>'.`);
  }
  for (const field of ['to', 'cc', 'bcc', 'replyTo'] as const) {
    const list = [...toList(defaults[field]), ...message[field]].filter((item) => item !== '');
    if (list.length > 0) features[field] = parseAddressList(list, field);
  }
  const subject = message.subject || defaults.subject;
  if (subject) features.subject = subject;
  const headers = nonEmpty(mergeObjects(defaults.headers, message.headers));
  let headerEnvelope: ParsedAddress | undefined;
  if (headers) {
    features.headers = headers;
    headerEnvelope = applyFromHeader(features, headers, from);
  }

  const body = message.body || defaults.body || '';
  if (body) {
    if (message.contentSubtype === 'html') features.htmlBody = body;
    else features.textBody = body;
  }
  const others = [];
  for (const alternative of [...(defaults.alternatives ?? []), ...message.alternatives]) {
    const type = alternative.mimetype.toLowerCase().split(';')[0]!.trim();
    if (type === 'text/html' && features.htmlBody === undefined) features.htmlBody = alternative.content;
    else if (type === 'text/x-amp-html' && features.ampBody === undefined) features.ampBody = alternative.content;
    else others.push(alternative);
  }
  if (others.length > 0) features.alternatives = others;
  if (message.attachments.length > 0) features.attachments = message.attachments;

  const envelopeSender = message.envelopeSender ?? defaults.envelopeSender;
  if (envelopeSender) features.envelopeSender = parseAddress(envelopeSender, 'envelopeSender');
  else if (headerEnvelope) features.envelopeSender = headerEnvelope;
  const metadata = nonEmpty(mergeObjects<JsonObject>(defaults.metadata, message.metadata));
  if (metadata) features.metadata = metadata;
  const tags = [...(defaults.tags ?? []), ...(message.tags ?? [])];
  if (tags.length > 0) features.tags = [...new Set(tags)];
  const trackClicks = message.trackClicks ?? defaults.trackClicks;
  if (trackClicks !== undefined) features.trackClicks = trackClicks;
  const trackOpens = message.trackOpens ?? defaults.trackOpens;
  if (trackOpens !== undefined) features.trackOpens = trackOpens;
  const sendAt = message.sendAt ?? defaults.sendAt;
  if (sendAt !== undefined) features.sendAt = typeof sendAt === 'number' ? new Date(sendAt * 1000) : sendAt;
  const templateId = message.templateId ?? defaults.templateId;
  if (templateId !== undefined && templateId !== '') features.templateId = templateId;
  const mergeData = mergeObjects(defaults.mergeData, message.mergeData);
  if (mergeData !== undefined) features.mergeData = mergeData;
  const mergeGlobalData = nonEmpty(mergeObjects(defaults.mergeGlobalData, message.mergeGlobalData));
  if (mergeGlobalData) features.mergeGlobalData = mergeGlobalData;
  const mergeMetadata = mergeObjects(defaults.mergeMetadata, message.mergeMetadata);
  if (mergeMetadata !== undefined) features.mergeMetadata = mergeMetadata;
  const mergeHeaders = mergeObjects(defaults.mergeHeaders, message.mergeHeaders);
  if (mergeHeaders !== undefined) features.mergeHeaders = mergeHeaders;
  const espExtra =
    defaults.espExtra && message.espExtra ? deepMerge(defaults.espExtra, message.espExtra) : (message.espExtra ?? defaults.espExtra);
  if (espExtra && Object.keys(espExtra).length > 0) features.espExtra = espExtra;
  return features;
}
