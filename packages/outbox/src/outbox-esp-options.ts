/**
 * Anymail's ESP features (metadata, tags, tracking, ESP templates, merge data, espExtra,
 * extra alternatives) on a queued email. They wait in the `esp_options` column as JSON, so
 * a value is accepted only if JSON gives it back unchanged: the ESP backend that delivers
 * the email must see exactly what the caller set.
 */
import { jsonProblem, type Alternative, type EmailMessageInit } from '@anymail/core';

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
    const problem = jsonProblem(value, `espOptions.${field}`, KEEP_AS_JSON);
    if (problem) return problem;
  }
  return undefined;
}
