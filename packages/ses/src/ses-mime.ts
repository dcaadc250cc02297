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

/** One body part: 7bit when ASCII with short lines, else base64 (always correct for UTF-8). */
function bodyPart(contentType: string, text: string): string {
  const normalized = text.replace(/\r?\n/g, '\r\n');
  const sevenBit = PRINTABLE.test(text.replace(/[\r\n\t]/g, '')) && normalized.split('\r\n').every((line) => line.length <= MAX_LINE);
  if (sevenBit) return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${normalized}${normalized.endsWith('\r\n') ? '' : '\r\n'}`;
  return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(text)}`;
}

const addressList = (list: ParsedAddress[]) => list.map((address) => formatAddress(address)).join(', ');

/**
 * The MIME message for a simple message, or undefined when it needs the general composer.
 * `extraHeaders` (X-Metadata, X-Tag…) must already be ASCII; message headers win over them.
 */
export function buildSimpleMime(features: Partial<MessageFeatures>, extraHeaders: ReadonlyArray<[string, string]>): Uint8Array | undefined {
  if (features.attachments || features.alternatives || features.ampBody !== undefined) return undefined;
  if (!features.from || features.from.length !== 1) return undefined;
  const given = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(features.headers ?? {})) given.set(name.toLowerCase(), [name, value]);
  const lines: string[] = [];
  const add = (name: string, value: string) => {
    if (!given.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
  };
  add('From', formatAddress(features.from[0]!));
  if (features.to) add('To', addressList(features.to));
  if (features.cc) add('Cc', addressList(features.cc));
  if (features.replyTo) add('Reply-To', addressList(features.replyTo));
  add('Subject', headerValue(features.subject ?? ''));
  add('Date', nowDate());
  add('Message-ID', `<${randomUUID()}@${toAsciiAddrSpec(features.from[0]!).split('@').pop()}>`);
  for (const [name, value] of extraHeaders) add(name, value);
  for (const [name, value] of given.values()) lines.push(`${name}: ${headerValue(value)}`);
  add('MIME-Version', '1.0');
  if (lines.some((line) => line.length > MAX_LINE)) return undefined;

  const { textBody, htmlBody } = features;
  let body: string;
  if (textBody !== undefined && htmlBody !== undefined) {
    const boundary = `--_Anymail_${randomUUID()}`;
    lines.push(`Content-Type: multipart/alternative; boundary="${boundary}"`);
    body = `\r\n--${boundary}\r\n${bodyPart('text/plain', textBody)}--${boundary}\r\n${bodyPart('text/html', htmlBody)}--${boundary}--\r\n`;
  } else {
    const part = htmlBody !== undefined ? bodyPart('text/html', htmlBody) : bodyPart('text/plain', textBody ?? '');
    const split = part.indexOf('\r\n\r\n');
    lines.push(part.slice(0, split));
    body = part.slice(split + 2);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n${body}`, 'utf8');
}
