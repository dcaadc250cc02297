import { EmailMessage, type EmailMessageInit } from './message.js';
import { getSettings } from './settings.js';

/** Message fields a backend's `sendDefaults` may set. */
export type SendDefaults = Omit<EmailMessageInit, 'connection' | 'contentSubtype'>;

/** Django's DEFAULT_FROM_EMAIL when the `defaultFromEmail` setting is not set. */
export const FALLBACK_FROM_EMAIL = 'webmaster@localhost';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Deep merge for espExtra: objects merge recursively, anything else is replaced. */
export function deepMerge<T extends Record<string, unknown>>(base: T, override: Record<string, unknown>): T {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const existing = result[key];
    result[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return result as T;
}

function toList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

function merged<T extends object>(defaults: T | undefined, value: T | undefined): T | undefined {
  if (defaults === undefined) return value;
  if (value === undefined) return { ...defaults };
  return { ...defaults, ...value };
}

/**
 * A copy with the same hidden class as a constructed message (its fields assigned in declaration
 * order), so code reading the copy stays as fast as code reading the original.
 */
function shallowCopy(message: EmailMessage): EmailMessage {
  const copy = Reflect.construct(EmailMessage, [], message.constructor) as EmailMessage;
  copy.subject = message.subject;
  copy.body = message.body;
  copy.from = message.from;
  copy.to = message.to;
  copy.cc = message.cc;
  copy.bcc = message.bcc;
  copy.replyTo = message.replyTo;
  copy.headers = message.headers;
  copy.attachments = message.attachments;
  copy.alternatives = message.alternatives;
  copy.connection = message.connection;
  copy.contentSubtype = message.contentSubtype;
  copy.envelopeSender = message.envelopeSender;
  copy.metadata = message.metadata;
  copy.tags = message.tags;
  copy.trackClicks = message.trackClicks;
  copy.trackOpens = message.trackOpens;
  copy.sendAt = message.sendAt;
  copy.templateId = message.templateId;
  copy.mergeData = message.mergeData;
  copy.mergeGlobalData = message.mergeGlobalData;
  copy.mergeMetadata = message.mergeMetadata;
  copy.mergeHeaders = message.mergeHeaders;
  copy.espExtra = message.espExtra;
  if (message.constructor !== EmailMessage) {
    // A subclass's own fields (its constructor did not run for the copy).
    for (const key of Object.keys(message) as (keyof EmailMessage)[]) {
      if (!Object.prototype.hasOwnProperty.call(copy, key)) (copy as unknown as Record<string, unknown>)[key] = message[key];
    }
  }
  return copy;
}

/** Whether `defaults` sets nothing (absent, or an object without keys). */
function noDefaults(defaults: SendDefaults | undefined): boolean {
  if (defaults === undefined) return true;
  for (const _ in defaults) return false;
  return true;
}

/**
 * The message as a backend sends it: `message` with `defaults` applied by Anymail's rules
 * (scalars: the message wins; lists: concatenated, defaults first; objects: merged, the
 * message's keys win, espExtra deeply), and the sender falling back to `defaults.from`, then the
 * `defaultFromEmail` setting, then 'webmaster@localhost' (Django's rule; with `fallbackFrom`
 * false, a backend that hands the message on leaves that to the next one). The caller's message
 * is never changed.
 *
 * `editable` (the default): the answer is a copy whose lists and header map are its own, so a
 * preSend receiver may edit them. Attachment bytes and nested metadata objects are shared.
 * Not editable (no signal receiver will see the message, so nothing edits it): copy on write.
 * With no defaults and a sender, the answer is `message` itself; with only the sender to fill
 * in, a copy that shares the message's lists and header map.
 */
export function resolveMessage(message: EmailMessage, defaults: SendDefaults | undefined, fallbackFrom = true, editable = true): EmailMessage {
  if (!editable && noDefaults(defaults)) {
    const from = message.from || (fallbackFrom ? getSettings().defaultFromEmail || FALLBACK_FROM_EMAIL : undefined);
    if (from === message.from) return message;
    const copy = shallowCopy(message);
    copy.from = from;
    return copy;
  }
  const copy = shallowCopy(message);
  const d = defaults ?? {};
  copy.from = message.from || d.from || (fallbackFrom ? getSettings().defaultFromEmail || FALLBACK_FROM_EMAIL : undefined);
  copy.to = d.to === undefined ? [...message.to] : [...toList(d.to), ...message.to];
  copy.cc = d.cc === undefined ? [...message.cc] : [...toList(d.cc), ...message.cc];
  copy.bcc = d.bcc === undefined ? [...message.bcc] : [...toList(d.bcc), ...message.bcc];
  copy.replyTo = d.replyTo === undefined ? [...message.replyTo] : [...toList(d.replyTo), ...message.replyTo];
  copy.headers = d.headers === undefined ? { ...message.headers } : { ...d.headers, ...message.headers };
  copy.alternatives = d.alternatives === undefined ? [...message.alternatives] : [...d.alternatives, ...message.alternatives];
  copy.attachments = [...message.attachments];
  if (defaults === undefined) return copy;
  copy.subject = message.subject || d.subject || '';
  copy.body = message.body || d.body || '';
  copy.envelopeSender = message.envelopeSender ?? d.envelopeSender;
  copy.trackClicks = message.trackClicks ?? d.trackClicks;
  copy.trackOpens = message.trackOpens ?? d.trackOpens;
  copy.sendAt = message.sendAt ?? d.sendAt;
  copy.templateId = message.templateId || d.templateId;
  if (d.tags !== undefined) copy.tags = [...new Set([...d.tags, ...(message.tags ?? [])])];
  else if (message.tags !== undefined) copy.tags = [...message.tags];
  copy.metadata = merged(d.metadata, message.metadata);
  copy.mergeData = merged(d.mergeData, message.mergeData);
  copy.mergeGlobalData = merged(d.mergeGlobalData, message.mergeGlobalData);
  copy.mergeMetadata = merged(d.mergeMetadata, message.mergeMetadata);
  copy.mergeHeaders = merged(d.mergeHeaders, message.mergeHeaders);
  copy.espExtra = d.espExtra && message.espExtra ? deepMerge(d.espExtra, message.espExtra) : (message.espExtra ?? d.espExtra);
  return copy;
}
