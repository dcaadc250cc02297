/**
 * A fast MIME writer for the common simple message (a text and/or an HTML body, no attachments,
 * no other alternatives), so SES sends don't pay for a general MIME composer per message.
 * Anything else — or any header line it cannot keep within 998 characters — returns undefined
 * and the caller uses core's `message.message()` (nodemailer's MailComposer).
 * Same header rules as core's buildMime: a message header of the same name replaces the field.
 */
import { randomUUID } from 'node:crypto';
import { encodeRfc2047, formatAddress, toAsciiAddrSpec, type MessageFeatures, type ParsedAddress } from '@anymail/core';

const MAX_LINE = 998;
const PRINTABLE = /^[\x20-\x7e]*$/;

function headerValue(value: string): string {
  return PRINTABLE.test(value) && !value.includes('=?') ? value : encodeRfc2047(value);
}

/** RFC 5322 date, e.g. `Sat, 21 Nov 2026 02:31:03 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

let dateCache = { second: -1, text: '' };
/** Now as an RFC 5322 date, formatted once per second. */
function nowDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateCache.second) dateCache = { second, text: rfc5322Date(new Date(now)) };
  return dateCache.text;
}

/** Lines of at most 76 base64 characters. */
function base64Lines(text: string): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  let out = '';
  for (let i = 0; i < encoded.length; i += 76) out += `${encoded.slice(i, i + 76)}\r\n`;
  return out;
}

const SEVEN_BIT_TEXT = /^[\x20-\x7e\t\r\n]*$/;
const BARE_CR = /\r(?!\n)/;
const LONG_LINE = /[^\r\n]{999}/;

/** One body part: 7bit when ASCII with short lines, else base64 (always correct for UTF-8). */
function bodyPart(contentType: string, text: string): string {
  const sevenBit = SEVEN_BIT_TEXT.test(text) && !BARE_CR.test(text) && (text.length <= MAX_LINE || !LONG_LINE.test(text));
  if (sevenBit) {
    const normalized = text.includes('\n') ? text.replace(/\r?\n/g, '\r\n') : text;
    return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${normalized}${normalized.endsWith('\r\n') ? '' : '\r\n'}`;
  }
  return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(text)}`;
}

const addressList = (list: ParsedAddress[]) => (list.length === 1 ? formatAddress(list[0]!) : list.map((address) => formatAddress(address)).join(', '));

/**
 * The MIME message for a simple message, or undefined when it needs the general composer.
 * `extraHeaders` (X-Metadata, X-Tag…) must already be ASCII; message headers win over them.
 */
export function buildSimpleMime(features: Partial<MessageFeatures>, extraHeaders: ReadonlyArray<[string, string]>): Uint8Array | undefined {
  if (features.attachments || features.alternatives || features.ampBody !== undefined) return undefined;
  if (!features.from || features.from.length !== 1) return undefined;
  const from = features.from[0]!;
  let given: Map<string, [string, string]> | undefined;
  if (features.headers !== undefined) {
    for (const [name, value] of Object.entries(features.headers)) (given ??= new Map()).set(name.toLowerCase(), [name, value]);
  }
  let head = '';
  let tooLong = false;
  const add = (name: string, value: string) => {
    if (given !== undefined && given.has(name.toLowerCase())) return;
    if (name.length + value.length + 2 > MAX_LINE) tooLong = true;
    head += `${name}: ${value}\r\n`;
  };
  add('From', formatAddress(from));
  if (features.to) add('To', addressList(features.to));
  if (features.cc) add('Cc', addressList(features.cc));
  if (features.replyTo) add('Reply-To', addressList(features.replyTo));
  add('Subject', headerValue(features.subject ?? ''));
  add('Date', nowDate());
  const fromSpec = toAsciiAddrSpec(from);
  add('Message-ID', `<${randomUUID()}@${fromSpec.slice(fromSpec.lastIndexOf('@') + 1)}>`);
  for (const [name, value] of extraHeaders) add(name, value);
  if (given !== undefined) {
    for (const [name, value] of given.values()) {
      const encoded = headerValue(value);
      if (name.length + encoded.length + 2 > MAX_LINE) tooLong = true;
      head += `${name}: ${encoded}\r\n`;
    }
  }
  add('MIME-Version', '1.0');
  if (tooLong) return undefined;

  const { textBody, htmlBody } = features;
  let body: string;
  if (textBody !== undefined && htmlBody !== undefined) {
    const boundary = `--_Anymail_${randomUUID()}`;
    head += `Content-Type: multipart/alternative; boundary="${boundary}"\r\n`;
    body = `\r\n--${boundary}\r\n${bodyPart('text/plain', textBody)}--${boundary}\r\n${bodyPart('text/html', htmlBody)}--${boundary}--\r\n`;
  } else {
    // The part's own headers join the message's; its blank line and text follow.
    body = htmlBody !== undefined ? bodyPart('text/html', htmlBody) : bodyPart('text/plain', textBody ?? '');
  }
  return Buffer.from(head + body, 'utf8');
}
