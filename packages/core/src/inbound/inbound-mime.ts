/**
 * MIME in, `AnymailInboundMessage` out. Parsing is mailparser's (nodemailer family), imported on
 * first use so applications that only send mail never load it. ESPs that post parsed fields instead
 * of the raw message get one put together first (inbound-construct.ts), so every ESP's message is
 * read by one set of rules.
 */
import type { AddressObject, Attachment, EmailAddress, ParsedMail } from 'mailparser';
import { decodeRfc2047, formatAddress, type ParsedAddress } from '../address.js';
import { FORBIDDEN_IN_HEADER } from '../control-chars.js';
import { AnymailWebhookValidationFailure } from '../errors.js';
import {
  AnymailInboundMessage,
  type AnymailInboundAttachment,
  type InboundExtras,
  type InboundHeader,
} from './inbound-message.js';

type SimpleParser = typeof import('mailparser').simpleParser;
let simpleParserPromise: Promise<SimpleParser> | undefined;

function loadParser(): Promise<SimpleParser> {
  simpleParserPromise ??= import('mailparser').then((module) => module.simpleParser ?? module.default.simpleParser);
  return simpleParserPromise;
}

const FORBIDDEN_GLOBAL = new RegExp(FORBIDDEN_IN_HEADER.source, 'g');

/**
 * Every character a header line can't hold (core's one rule: CR, LF, other C0/C1 controls, DEL,
 * U+2028/U+2029; TAB stays) becomes a space, so a received name or header can never split a header
 * line when the application reuses it.
 */
export function sanitizeHeaderText(text: string): string {
  return FORBIDDEN_IN_HEADER.test(text) ? text.replace(FORBIDDEN_GLOBAL, ' ') : text;
}

/** Parse a received message. Malformed MIME yields what could be read; a parser failure is a 400 naming the ESP. */
export async function parseInboundMime(
  raw: Uint8Array | string,
  extras: InboundExtrasSource = {},
  espName?: string,
): Promise<AnymailInboundMessage> {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const simpleParser = await loadParser();
  // mailsplit stops at 1000 MIME parts, and simpleParser then never settles (mailparser 3.9): give it a
  // limit above the parts the message can have, and refuse messages with more than MAX_MIME_PARTS up front.
  const partBound = countPartDelimiters(bytes);
  if (partBound > MAX_MIME_PARTS) {
    throw new AnymailWebhookValidationFailure(
      `${espName ?? 'The ESP'} posted an inbound message with more than ${MAX_MIME_PARTS} MIME parts; refused unparsed`,
      { statusCode: 400, ...(espName ? { espName } : {}) },
    );
  }
  let parsed: ParsedMail;
  try {
    parsed = await withDeadline(simpleParser(bytes, {
      maxChildNodes: partBound + 2,
      // Anymail's text is the text/plain part only, and html keeps its cid: links (see `inlines`).
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipTextLinks: true,
      keepCidLinks: true,
    } as SimpleParserOptions), PARSE_TIMEOUT_MS);
  } catch (cause) {
    throw new AnymailWebhookValidationFailure(
      `${espName ?? 'The ESP'} posted an inbound message that is not readable MIME (${(cause as Error)?.message ?? cause})`,
      { statusCode: 400, ...(espName ? { espName } : {}), cause },
    );
  }
  // mailparser leaves headerLines/attachments out on some malformed input (e.g. a header block over its size limit).
  const headers = (parsed.headerLines ?? []).map(toHeader);
  const given = typeof extras === 'function' ? extras(headers) : extras;
  return new AnymailInboundMessage({
    raw: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    headers,
    from: addresses(parsed.from)[0],
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    replyTo: addresses(parsed.replyTo),
    subject: parsed.subject === undefined ? undefined : sanitizeHeaderText(parsed.subject),
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : undefined,
    messageId: parsed.messageId,
    text: parsed.text,
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    parts: (parsed.attachments ?? []).map(toAttachment),
    ...given,
    spamScore: given.spamScore ?? spamAssassinScore(headers),
    spamDetected: given.spamDetected ?? spamAssassinVerdict(headers),
  });
}

/** ESP facts for a message, or a function computing them from the message's headers (ESP spam headers). */
export type InboundExtrasSource = InboundExtras | ((headers: readonly InboundHeader[]) => InboundExtras);

/** The first value of a header by name, case-insensitive. */
export function headerValue(headers: readonly InboundHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find((header) => header.name.toLowerCase() === lower)?.value;
}

/** A finite number from a header or field, else undefined. */
export function parseSpamScore(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const score = Number.parseFloat(value);
  return Number.isFinite(score) ? score : undefined;
}

// SpamAssassin's headers, which several ESPs (Postmark among them) pass on: the fallback when the ESP says nothing itself.
function spamAssassinScore(headers: readonly InboundHeader[]): number | undefined {
  return parseSpamScore(headerValue(headers, 'x-spam-score'));
}

function spamAssassinVerdict(headers: readonly InboundHeader[]): boolean | undefined {
  const flag = (headerValue(headers, 'x-spam-flag') ?? headerValue(headers, 'x-spam-status'))?.trim().toLowerCase();
  if (flag === undefined) return undefined;
  if (flag.startsWith('yes')) return true;
  if (flag.startsWith('no')) return false;
  return undefined;
}

/** Most MIME parts one inbound message may have (each costs about a millisecond to parse). */
export const MAX_MIME_PARTS = 5000;
/** A parse that takes longer than this is abandoned (answered 400), whatever the reason. */
const PARSE_TIMEOUT_MS = 60_000;

type SimpleParserOptions = NonNullable<Parameters<SimpleParser>[1]> & { maxChildNodes?: number };

/** Lines starting with `--`: an upper bound on the number of MIME parts (each part starts at a delimiter line). */
function countPartDelimiters(bytes: Buffer): number {
  let count = bytes.subarray(0, 2).toString('latin1') === '--' ? 1 : 0;
  for (let at = bytes.indexOf('\n--'); at >= 0; at = bytes.indexOf('\n--', at + 3)) count++;
  return count;
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`MIME parsing took longer than ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function toHeader({ line }: { key: string; line: string }): InboundHeader {
  const colon = line.indexOf(':');
  const name = sanitizeHeaderText(colon < 0 ? line : line.slice(0, colon)).trim();
  const folded = colon < 0 ? '' : line.slice(colon + 1);
  return { name, value: sanitizeHeaderText(decodeRfc2047(folded.replace(/\r?\n(?=[ \t])/g, '').trim())) };
}

function addresses(value: AddressObject | AddressObject[] | undefined): ParsedAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const result: ParsedAddress[] = [];
  const visit = (entry: EmailAddress) => {
    if (entry.group) entry.group.forEach(visit);
    else if (entry.address) result.push(toParsedAddress(entry.address, entry.name ?? ''));
  };
  for (const object of objects) object.value.forEach(visit);
  return result;
}

function toParsedAddress(addrSpec: string, name: string): ParsedAddress {
  const spec = sanitizeHeaderText(addrSpec).trim();
  const at = spec.lastIndexOf('@');
  const parsed: ParsedAddress = {
    displayName: sanitizeHeaderText(name).trim(),
    addrSpec: spec,
    username: at > 0 ? spec.slice(0, at) : spec,
    domain: at > 0 ? spec.slice(at + 1) : '',
    address: spec,
  };
  parsed.address = formatAddress(parsed, { encoding: 'unicode' });
  return parsed;
}

function toAttachment(part: Attachment): AnymailInboundAttachment {
  const contentType = (part.contentType || 'application/octet-stream').toLowerCase();
  const typeHeader = part.headers.get('content-type');
  const charset =
    typeof typeHeader === 'object' && typeHeader !== null && 'params' in typeHeader ? typeHeader.params.charset : undefined;
  const disposition = (part.contentDisposition ?? '').toLowerCase();
  const contentId = part.cid ? sanitizeHeaderText(part.cid).trim() : undefined;
  const content = new Uint8Array(part.content.buffer, part.content.byteOffset, part.content.byteLength);
  return {
    filename: part.filename === undefined ? undefined : sanitizeHeaderText(part.filename),
    contentType,
    charset,
    content,
    contentId,
    // Inline: a Content-ID the body can point at, and not explicitly marked as an attachment.
    inline: contentId !== undefined && (disposition === 'inline' || (disposition === '' && part.related)),
    text: () => decodeText(content, charset),
  };
}

function decodeText(content: Uint8Array, charset: string | undefined): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(content);
  } catch {
    return new TextDecoder('utf-8').decode(content); // unknown charset label
  }
}
