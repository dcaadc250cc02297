import { parseAddressList } from './address.js';
import { decodeRfc2047Fully } from './rfc2047.js';
import { FORBIDDEN_IN_HEADER, forbiddenCharacter } from './control-chars.js';
import { AnymailInvalidAddress, BadHeaderError } from './errors.js';
import type { EmailMessage } from './message.js';

const HEADER_NAME = /^[!-9;-~]+$/; // RFC 5322 ftext: printable ASCII except ':'

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value).slice(0, 40)}`;
}

/** The fast test behind assertHeaderValue: a string with nothing a header line can't hold (decoded too). */
function isCleanHeaderValue(value: unknown): boolean {
  if (typeof value !== 'string') return value === undefined;
  if (FORBIDDEN_IN_HEADER.test(value)) return false;
  return !value.includes('=?') || !FORBIDDEN_IN_HEADER.test(decodeRfc2047Fully(value));
}

/**
 * Throw BadHeaderError when a header-bound value is not a string (plain-JS callers pass numbers)
 * or holds a character that could end a header line: CR, LF, other C0/C1 controls, DEL,
 * U+2028/U+2029, also once RFC 2047-decoded. Tabs and ordinary Unicode pass. The one rule for
 * every header-bound value, including ESP-specific ones in `espExtra` (ESP packages call it).
 */
export function assertHeaderValue(field: string, value: unknown): void {
  if (isCleanHeaderValue(value)) return;
  if (typeof value !== 'string') {
    throw new BadHeaderError(`${field} must be a string (got ${describe(value)}). Convert it with String() first.`);
  }
  // An RFC 2047 encoded-word can hide a line break from this check until something decodes it
  // (an ESP that re-encodes a JSON field, a display name): check the decoded text too.
  const bad = forbiddenCharacter(value) ?? (value.includes('=?') ? forbiddenCharacter(decodeRfc2047Fully(value)) : undefined);
  if (bad !== undefined) {
    const fix = bad.startsWith('a newline') ? 'Remove the CR/LF characters.' : 'Remove it.';
    throw new BadHeaderError(
      `Header values can't contain newlines or control characters: the value for ${field} holds ${bad} (${JSON.stringify(value.slice(0, 80))}). ${fix}`,
    );
  }
}

export function assertHeaderName(name: string): void {
  if (!HEADER_NAME.test(name)) {
    throw new BadHeaderError(
      `Invalid header name ${JSON.stringify(name.slice(0, 80))}: use printable ASCII without spaces, colons or newlines.`,
    );
  }
}

export function assertHeaders(headers: Record<string, unknown> | undefined, field = 'headers'): void {
  if (headers === undefined) return;
  if (typeof headers !== 'object' || headers === null) {
    throw new BadHeaderError(`${field} must be an object of header names to string values (got ${describe(headers)}).`);
  }
  for (const name in headers) {
    assertHeaderName(name);
    const value = headers[name];
    // The field's name is only built for the error message.
    if (!isCleanHeaderValue(value)) assertHeaderValue(`${field}[${JSON.stringify(name)}]`, value);
  }
}

/** Check a `[{ Name, Value }]` header list (Postmark `Headers`, SES `Headers`) with the same rules. */
export function assertHeaderList(field: string, headers: ReadonlyArray<{ Name: string; Value: string }> | undefined): void {
  headers?.forEach((header, index) => {
    assertHeaderName(header.Name);
    assertHeaderValue(`${field}[${index}] (${JSON.stringify(header.Name)})`, header.Value);
  });
}

/**
 * Check a header-bound address (or comma-separated list): a string, no control characters
 * in what is written, and, when it holds RFC 2047 encoded-words, none in the decoded display
 * names either (the value an ESP's JSON field or a re-encoding MIME writer ends up with).
 * Throws BadHeaderError or AnymailInvalidAddress naming `field`.
 */
export function assertAddressHeader(field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string') {
    throw new AnymailInvalidAddress(`${field} must be a string email address (got ${describe(value)}).`);
  }
  assertHeaderValue(field, value);
  if (value.includes('=?')) parseAddressList(value, field);
}

/** Check a list of addresses (to, cc, ...): a list of strings, each checked by assertAddressHeader. */
export function assertAddressList(field: string, values: unknown): void {
  if (!Array.isArray(values)) {
    throw new AnymailInvalidAddress(`${field} must be a list of email address strings (got ${describe(values)}).`);
  }
  for (const value of values) {
    if (typeof value !== 'string') {
      throw new AnymailInvalidAddress(`${field} must hold email address strings (got ${describe(value)}).`);
    }
    assertAddressHeader(field, value);
  }
}

/** Metadata keys, and string values at any depth, become header text for some ESPs. */
function assertMetadata(field: () => string, value: unknown, depth = 0): void {
  if (typeof value === 'string') {
    if (!isCleanHeaderValue(value)) assertHeaderValue(field(), value);
  } else if (Array.isArray(value)) value.forEach((item, index) => assertMetadata(() => `${field()}[${index}]`, item, depth + 1));
  else if (typeof value === 'object' && value !== null && depth < 32) {
    for (const key in value) {
      if (!isCleanHeaderValue(key)) assertHeaderValue(`${field()} key`, key);
      assertMetadata(() => `${field()}[${JSON.stringify(key)}]`, (value as Record<string, unknown>)[key], depth + 1);
    }
  }
}

/**
 * Refuse header injection before anything is sent: a value of the wrong type, or CR, LF or
 * another control character in the subject, any address field (display names checked once
 * RFC 2047-decoded), any header name or value, an attachment's filename, type or Content-ID
 * (MIME part headers), a tag or a metadata key or value. The one check every backend runs.
 */
export function assertNoHeaderInjection(message: EmailMessage): void {
  assertHeaderValue('subject', message.subject);
  assertAddressHeader('from', message.from);
  if (typeof message.from === 'string' && message.from !== '' && message.from.trim() === '') {
    throw new AnymailInvalidAddress("from is blank (only spaces). Set a sender such as 'Name <user@example.com>', or leave it unset for the default.");
  }
  assertAddressHeader('envelopeSender', message.envelopeSender);
  for (const field of ['to', 'cc', 'bcc', 'replyTo'] as const) assertAddressList(field, message[field]);
  assertHeaders(message.headers);
  message.attachments.forEach((attachment, index) => {
    if (isCleanHeaderValue(attachment.filename) && isCleanHeaderValue(attachment.mimetype) && isCleanHeaderValue(attachment.contentId)) return;
    assertHeaderValue(`attachments[${index}].filename`, attachment.filename);
    assertHeaderValue(`attachments[${index}].mimetype`, attachment.mimetype);
    assertHeaderValue(`attachments[${index}].contentId`, attachment.contentId);
  });
  message.alternatives.forEach((alternative, index) => {
    assertHeaderValue(`alternatives[${index}].mimetype`, alternative.mimetype);
  });
  for (const [recipient, headers] of Object.entries(message.mergeHeaders ?? {})) {
    assertHeaders(headers, `mergeHeaders[${JSON.stringify(recipient)}]`);
  }
  if (message.tags !== undefined) {
    if (!Array.isArray(message.tags)) throw new BadHeaderError(`tags must be a list of strings (got ${describe(message.tags)}).`);
    message.tags.forEach((tag, index) => isCleanHeaderValue(tag) || assertHeaderValue(`tags[${index}]`, tag));
  }
  if (message.metadata !== undefined) assertMetadata(() => 'metadata', message.metadata);
  if (message.mergeMetadata !== undefined) assertMetadata(() => 'mergeMetadata', message.mergeMetadata);
}
