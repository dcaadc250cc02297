/**
 * Anymail's ESP features (metadata, tags, tracking, ESP templates, merge data, espExtra,
 * extra alternatives) on a queued email. They wait in the `esp_options` column as JSON, so
 * a value is accepted only if JSON gives it back unchanged: the ESP backend that delivers
 * the email must see exactly what the caller set.
 */
import type { Alternative, EmailMessageInit } from '@anymail/core';

/** The EmailMessage fields kept in espOptions, copied as they are. */
export const MESSAGE_ESP_FIELDS = [
  'envelopeSender',
  'metadata',
  'tags',
  'trackClicks',
  'trackOpens',
  'templateId',
  'mergeData',
  'mergeGlobalData',
  'mergeMetadata',
  'mergeHeaders',
  'espExtra',
] as const satisfies ReadonlyArray<keyof EmailMessageInit>;

type MessageEspField = (typeof MESSAGE_ESP_FIELDS)[number];

/**
 * ESP features of a queued email, with the names and types of `EmailMessage`'s. The outbox
 * stores them and sets them on the message it hands to the delivery backend.
 */
export interface OutboxEspOptions extends Pick<EmailMessageInit, MessageEspField> {
  /**
   * Body alternatives besides `htmlMessage`, such as AMP (`text/x-amp-html`). At delivery they
   * follow the text body and come before the `htmlMessage` part: the order AMP asks for, since
   * some clients show only the last part.
   */
  alternatives?: readonly Alternative[];
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isRecordOf(check: (value: unknown) => boolean) {
  return (value: unknown) => isPlainObject(value) && Object.values(value).every(check);
}

/** What each field must be; a new field fails to compile here until it has a rule. */
const FIELD_RULES: Record<keyof OutboxEspOptions, { expected: string; check: (value: unknown) => boolean }> = {
  envelopeSender: { expected: 'a string (an email address)', check: isString },
  metadata: { expected: 'a plain object', check: isPlainObject },
  tags: { expected: 'a list of strings', check: (value) => Array.isArray(value) && value.every(isString) },
  trackClicks: { expected: 'true or false', check: isBoolean },
  trackOpens: { expected: 'true or false', check: isBoolean },
  templateId: { expected: "a string (the ESP's template id)", check: isString },
  mergeData: { expected: 'an object of plain objects, keyed by email address', check: isRecordOf(isPlainObject) },
  mergeGlobalData: { expected: 'a plain object', check: isPlainObject },
  mergeMetadata: { expected: 'an object of plain objects, keyed by email address', check: isRecordOf(isPlainObject) },
  mergeHeaders: {
    expected: 'an object, keyed by email address, of header objects with string values',
    check: isRecordOf(isRecordOf(isString)),
  },
  espExtra: { expected: 'a plain object', check: isPlainObject },
  alternatives: {
    expected: 'a list of { content, mimetype } objects with string values and no other keys',
    check: (value) =>
      Array.isArray(value) &&
      value.every((item) => isPlainObject(item) && isString(item.content) && isString(item.mimetype) && Object.keys(item).length === 2),
  },
};

const KEEP_AS_JSON = 'the outbox keeps ESP options as JSON until delivery';

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Why JSON would not give `value` back unchanged, or undefined when it would. */
function unfaithful(value: unknown, path: string, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON stores as null. Use a finite number or null.`;
    case 'bigint':
      return `${path} is a BigInt, which JSON cannot store (${KEEP_AS_JSON}). Pass it as a string (String(value)) or, if it is small enough, a number.`;
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}, which JSON cannot store (${KEEP_AS_JSON}). Remove it, or replace it with the data it stands for.`;
    case 'undefined':
      return `${path} is undefined inside a list, which JSON stores as null. Remove it from the list or use null.`;
  }
  if (value === null) return undefined;
  const object = value as object;
  if (ancestors.includes(object)) return `${path} refers back to an object that contains it; JSON cannot store a cycle. Pass a copy without the cycle.`;
  if (object instanceof Date) {
    return `${path} is a Date, which JSON would turn into a string (${KEEP_AS_JSON}). Pass date.toISOString() or epoch milliseconds (date.getTime()) instead.`;
  }
  if (object instanceof Map || object instanceof Set) {
    const fix = object instanceof Map ? 'Object.fromEntries(map)' : 'Array.from(set)';
    return `${path} is a ${object.constructor.name}, which JSON would store as {} (${KEEP_AS_JSON}). Pass ${fix} instead.`;
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return `${path} is binary data, which JSON cannot store faithfully (${KEEP_AS_JSON}). Encode it as text (for example base64) first.`;
  }
  const inner = [...ancestors, object];
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) {
      if (!(index in object)) return `${childPath(path, index)} is a hole in a sparse list, which JSON stores as null. Fill it or remove it.`;
      const problem = unfaithful(object[index], childPath(path, index), inner);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(object)) {
    const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain';
    return `${path} is a ${name} object; JSON keeps only plain objects and arrays faithfully (${KEEP_AS_JSON}). Convert it to a plain object first.`;
  }
  if (Object.getOwnPropertySymbols(object).length) {
    return `${path} has symbol keys, which JSON drops (${KEEP_AS_JSON}). Use string keys.`;
  }
  for (const [key, item] of Object.entries(object)) {
    // An undefined property means "not set"; JSON leaves it out, and reading it back gives undefined again.
    if (item === undefined) continue;
    const problem = unfaithful(item, childPath(path, key), inner);
    if (problem) return problem;
  }
  return undefined;
}

/** The first problem with `options` (a wrong type, an unknown field, a value JSON cannot keep), or undefined. */
export function espOptionsProblem(options: OutboxEspOptions): string | undefined {
  if (!isPlainObject(options)) return `espOptions must be a plain object (got ${options === null ? 'null' : typeof options}).`;
  for (const [field, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = Object.hasOwn(FIELD_RULES, field) ? FIELD_RULES[field as keyof OutboxEspOptions] : undefined;
    if (!rule) {
      const hint = field === 'sendAt' ? ' To schedule an email, pass scheduledTime: the outbox holds it until then.' : '';
      return `espOptions has no field '${field}'.${hint} Known fields: ${Object.keys(FIELD_RULES).join(', ')}.`;
    }
    if (!rule.check(value)) return `espOptions.${field} must be ${rule.expected}.`;
    const problem = unfaithful(value, `espOptions.${field}`, []);
    if (problem) return problem;
  }
  return undefined;
}

/** The JSON text to store, or null when no option is set. Call `espOptionsProblem` first. */
export function encodeEspOptions(options: OutboxEspOptions | undefined): string | null {
  if (options === undefined) return null;
  const set = Object.entries(options).filter(([, value]) => value !== undefined);
  return set.length ? JSON.stringify(Object.fromEntries(set)) : null;
}

/** The stored options; null for rows without any (including rows queued before the column existed). */
export function decodeEspOptions(text: string | null): OutboxEspOptions | null {
  return text === null ? null : (JSON.parse(text) as OutboxEspOptions);
}
