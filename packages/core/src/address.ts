import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { FORBIDDEN_IN_HEADER } from './control-chars.js';
import { AnymailInvalidAddress } from './errors.js';
import { decodeRfc2047, decodeRfc2047Fully, encodeRfc2047 } from './rfc2047.js';

export { decodeRfc2047, encodeRfc2047 };

/** One parsed email address. */
export interface ParsedAddress {
  /** Display name, decoded to Unicode ('' when none). */
  displayName: string;
  /** The bare address, `user@domain` (domain as given; see `asciiDomain`). */
  addrSpec: string;
  /** The local part, as it appears in `addrSpec` (quoted when it needs quotes). */
  username: string;
  domain: string;
  /** `Name <user@domain>` (or the bare address), in Unicode, for display and for ESP JSON fields. */
  address: string;
}

/** 'rfc2047': ASCII header form (encoded-word name, punycode domain). 'unicode': as is, for SMTPUTF8 or JSON APIs. */
export type AddressEncoding = 'rfc2047' | 'unicode';

export interface FormatAddressOptions {
  /** @default 'rfc2047' */
  encoding?: AddressEncoding;
}

const HINT = "Use 'user@example.com' or 'Name <user@example.com>', and quote a display name that holds commas";
// RFC 5322 atext plus any non-ASCII character (RFC 6531): everything except specials, space and controls.
const DOT_ATOM = /^[^\s"(),.:;<>@[\\\]\x00-\x1f\x7f-\x9f]+(?:\.[^\s"(),.:;<>@[\\\]\x00-\x1f\x7f-\x9f]+)*$/;
const DOMAIN_LABELS = /^[a-z0-9\u0080-\uffff](?:[a-z0-9\u0080-\uffff-]*[a-z0-9\u0080-\uffff])?(?:\.[a-z0-9\u0080-\uffff](?:[a-z0-9\u0080-\uffff-]*[a-z0-9\u0080-\uffff])?)*$/i;
/** RFC 5321 4.1.3 general address literal: `tag:content`, without '<' and '>' (which nodemailer rewrites). */
const GENERAL_LITERAL = /^[A-Za-z0-9-]*[A-Za-z0-9]:[!-;=?-Z^-~]+$/;
// RFC 5321 4.5.3.1: the longest local part, domain and path (256 octets with its angle brackets).
const MAX_LOCAL_OCTETS = 64;
const MAX_DOMAIN_OCTETS = 255;
const MAX_LABEL_OCTETS = 63;
const MAX_ADDRESS_OCTETS = 254;
/** Strings with none of these characters can only be a bare addr-spec (the fast path). */
const NOT_BARE = /[\s"(),<>;:[\]\\]/;
const NON_ASCII = /[^\x00-\x7f]/;
const ONLY_ENCODED_WORDS = /^(?:=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)+$/;
/** Whitespace, '"', '(', '<' and '>' end an unquoted word. */
const ATOM_END = new Set([32, 9, 10, 13, 34, 40, 60, 62]);
const NAME_SPECIALS = /[()<>[\]:;@\\,."]/;

function invalid(field: string, value: string, reason: string): AnymailInvalidAddress {
  const shown = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return new AnymailInvalidAddress(`Invalid email address in ${field}: ${JSON.stringify(shown)} (${reason}). ${HINT}.`);
}

/** Index of the quote closing the quoted string that opens at `start`, or -1. */
function closingQuote(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34 /* " */) return i;
  }
  return -1;
}

/** Index just past the comment that opens at `start` (comments nest), or -1. */
function commentEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 40 /* ( */) depth++;
    else if (c === 41 /* ) */ && --depth === 0) return i + 1;
  }
  return -1;
}

/** Split at commas outside quotes, comments and angle brackets; throws on unbalanced ones. */
function splitList(text: string, field: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inAngle = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i = closingQuote(text, i);
      if (i < 0) throw invalid(field, text, 'unclosed quote');
    } else if (c === 40) {
      i = commentEnd(text, i) - 1;
      if (i < 0) throw invalid(field, text, 'unclosed comment');
    } else if (c === 60 /* < */) {
      if (inAngle) throw invalid(field, text, 'unbalanced angle brackets');
      inAngle = true;
    } else if (c === 62 /* > */) {
      if (!inAngle) throw invalid(field, text, 'unbalanced angle brackets');
      inAngle = false;
    } else if (c === 44 /* , */ && !inAngle) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (inAngle) throw invalid(field, text, 'unbalanced angle brackets');
  parts.push(text.slice(start));
  return parts;
}

interface Word {
  text: string;
  raw: string;
  spaceBefore: boolean;
  encoded: boolean;
}

const punycodeCache = new Map<string, string>();
/** `domainToASCII` ('' when not convertible), cached: IDN conversion costs microseconds and domains repeat. */
function punycode(domain: string): string {
  let ascii = punycodeCache.get(domain);
  if (ascii === undefined) {
    ascii = domainToASCII(domain);
    if (punycodeCache.size >= 1000) punycodeCache.clear();
    punycodeCache.set(domain, ascii);
  }
  return ascii;
}

/** RFC 5321 4.1.3: an IPv4 literal, an `IPv6:` literal or a general `tag:content` one. */
function validLiteral(literal: string): boolean {
  const inner = literal.slice(1, -1);
  if (isIPv4(inner)) return true;
  if (/^IPv6:/i.test(inner)) return isIPv6(inner.slice(5));
  return GENERAL_LITERAL.test(inner);
}

/** Why a domain is not valid (labels, characters, RFC 5321 / RFC 1035 lengths), or undefined. */
function domainProblem(domain: string): string | undefined {
  if (domain.charCodeAt(0) === 91 /* [ */) {
    return domain.endsWith(']') && validLiteral(domain) ? undefined : 'invalid domain literal (use [192.0.2.1] or [IPv6:2001:db8::1])';
  }
  // Lengths first: they bound the work of the label pattern below.
  if (domain.length > MAX_DOMAIN_OCTETS) return `domain over ${MAX_DOMAIN_OCTETS} octets`;
  if (!DOMAIN_LABELS.test(domain)) return 'invalid domain';
  const ascii = NON_ASCII.test(domain) ? punycode(domain) : domain;
  if (ascii === '') return 'invalid domain';
  if (ascii.length > MAX_DOMAIN_OCTETS) return `domain over ${MAX_DOMAIN_OCTETS} octets`;
  if (hasLongLabel(ascii)) return `a domain label over ${MAX_LABEL_OCTETS} octets`;
  return undefined;
}

/** Whether a label of the (ASCII) domain is over 63 octets; no list built (this runs for every address parsed). */
function hasLongLabel(ascii: string): boolean {
  if (ascii.length <= MAX_LABEL_OCTETS) return false;
  let start = 0;
  for (let dot = ascii.indexOf('.'); dot >= 0; dot = ascii.indexOf('.', start)) {
    if (dot - start > MAX_LABEL_OCTETS) return true;
    start = dot + 1;
  }
  return ascii.length - start > MAX_LABEL_OCTETS;
}

/** UTF-8 length; most addresses are ASCII, where it is the string's length. */
function octets(text: string): number {
  return NON_ASCII.test(text) ? Buffer.byteLength(text) : text.length;
}

/**
 * Validate a bare `local@domain` and split it; returns a reason string when it is not valid.
 * Refuses what RFC 5321/5322 forbid and what nodemailer would rewrite (so the To: header
 * always matches the envelope): control characters anywhere, '<' and '>' in a quoted local
 * part, and parts over the SMTP length limits.
 */
function splitAddrSpec(spec: string): { username: string; domain: string } | string {
  if (FORBIDDEN_IN_HEADER.test(spec)) return 'a control character or line break';
  let local: string;
  let rest: string;
  if (spec.charCodeAt(0) === 34) {
    const end = closingQuote(spec, 0);
    if (end < 0) return 'unclosed quote';
    if (spec.charCodeAt(end + 1) !== 64 /* @ */) return 'text after the quoted local part';
    const content = spec.slice(1, end).replace(/\\(.)/g, '$1');
    if (content.length > MAX_LOCAL_OCTETS) return `the part before the @ is over ${MAX_LOCAL_OCTETS} octets`;
    if (/[<>]/.test(content)) return "'<' or '>' in the quoted part before the @";
    local = DOT_ATOM.test(content) ? content : `"${content.replace(/[\\"]/g, '\\$&')}"`;
    rest = spec.slice(end + 2);
  } else {
    const at = spec.indexOf('@');
    if (at < 0) return 'no @';
    local = spec.slice(0, at);
    if (local === '') return 'nothing before the @';
    if (local.length > MAX_LOCAL_OCTETS) return `the part before the @ is over ${MAX_LOCAL_OCTETS} octets`;
    if (!DOT_ATOM.test(local)) return 'invalid characters or dots before the @';
    rest = spec.slice(at + 1);
  }
  const localOctets = octets(local);
  if (localOctets > MAX_LOCAL_OCTETS) return `the part before the @ is over ${MAX_LOCAL_OCTETS} octets`;
  if (rest.includes('@')) return 'more than one @';
  if (rest === '') return 'no domain after the @';
  const problem = domainProblem(rest);
  if (problem) return problem;
  if (localOctets + 1 + (NON_ASCII.test(rest) ? punycode(rest).length : rest.length) > MAX_ADDRESS_OCTETS) {
    return `address over ${MAX_ADDRESS_OCTETS} octets`;
  }
  return { username: local, domain: rest };
}

function make(displayName: string, spec: string, field: string, value: string): ParsedAddress {
  const parts = splitAddrSpec(spec);
  if (typeof parts === 'string') throw invalid(field, value, parts);
  // Checked once decoded: an encoded-word (`=?utf-8?q?a=0D=0A?=`) can hide a line break.
  if (FORBIDDEN_IN_HEADER.test(displayName) || (displayName.includes('=?') && FORBIDDEN_IN_HEADER.test(decodeRfc2047Fully(displayName)))) {
    throw invalid(field, value, 'the display name holds a control character or line break');
  }
  const addrSpec = `${parts.username}@${parts.domain}`;
  const parsed = { displayName, addrSpec, username: parts.username, domain: parts.domain, address: addrSpec };
  if (displayName) parsed.address = `${quoteName(displayName)} <${addrSpec}>`;
  return parsed;
}

/** Parse one `Name <addr>` or bare address (already split from its list). */
function parseMailbox(text: string, field: string, value: string): ParsedAddress {
  const words: Word[] = [];
  let angle: string | undefined;
  let space = false;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      space = true;
      i++;
      continue;
    }
    if (c === 40) {
      i = commentEnd(text, i); // comments are dropped
      space = true;
      continue;
    }
    if (angle !== undefined) throw invalid(field, value, 'text after the closing >');
    if (c === 60) {
      let end = i + 1;
      while (end > i && end < text.length && text.charCodeAt(end) !== 62) {
        end = text.charCodeAt(end) === 34 ? closingQuote(text, end) + 1 : end + 1;
      }
      if (end <= i || end >= text.length) throw invalid(field, value, 'unbalanced angle brackets');
      angle = text.slice(i + 1, end).trim();
      i = end + 1;
    } else if (c === 34) {
      const end = closingQuote(text, i);
      const raw = text.slice(i, end + 1);
      const inner = raw.slice(1, -1).replace(/\\(.)/g, '$1');
      words.push({ text: decodeRfc2047(inner), raw, spaceBefore: space, encoded: false });
      i = end + 1;
    } else {
      let end = i + 1;
      while (end < text.length && !ATOM_END.has(text.charCodeAt(end))) end++;
      const raw = text.slice(i, end);
      const encoded = raw.includes('=?') && ONLY_ENCODED_WORDS.test(raw);
      words.push({ text: encoded ? decodeRfc2047(raw) : raw, raw, spaceBefore: space, encoded });
      i = end;
    }
    space = false;
  }
  if (angle !== undefined) {
    if (angle === '') throw invalid(field, value, 'empty <>');
    let name = '';
    for (let k = 0; k < words.length; k++) {
      const word = words[k]!;
      // RFC 2047 6.2: the space between two adjacent encoded-words is not part of the text.
      if (k > 0 && word.spaceBefore && !(word.encoded && words[k - 1]!.encoded)) name += ' ';
      name += word.text;
    }
    return make(name.trim(), angle, field, value);
  }
  if (words.length === 0) throw invalid(field, value, 'empty address');
  if (!words.some((word) => word.raw.includes('@'))) throw invalid(field, value, 'no @');
  if (words.some((word, k) => k > 0 && word.spaceBefore)) {
    throw invalid(field, value, 'spaces in a bare address; put the address in <>');
  }
  return make('', words.map((word) => word.raw).join(''), field, value);
}

/**
 * Parse one or more addresses: each string may hold a comma-separated list (commas inside
 * quotes or <> do not split). Empty items are skipped. Throws AnymailInvalidAddress.
 */
export function parseAddressList(value: string | readonly string[], field: string): ParsedAddress[] {
  const items = typeof value === 'string' ? [value] : value;
  const result: ParsedAddress[] = [];
  for (const item of items) {
    if (!NOT_BARE.test(item)) {
      if (item !== '') result.push(make('', item, field, item));
      continue;
    }
    for (const part of splitList(item, field)) {
      if (part.trim() !== '') result.push(parseMailbox(part, field, item));
    }
  }
  return result;
}

/** Parse exactly one address (`Name <user@example.com>` or a bare address). Throws AnymailInvalidAddress. */
export function parseAddress(value: string, field: string): ParsedAddress {
  if (value !== '' && !NOT_BARE.test(value)) return make('', value, field, value);
  const parts = splitList(value, field).filter((part) => part.trim() !== '');
  if (parts.length === 0) throw invalid(field, value, 'empty address');
  if (parts.length > 1) throw invalid(field, value, `expected one address, got a list of ${parts.length}`);
  return parseMailbox(parts[0]!, field, value);
}

/** The domain in ASCII: IDN labels become punycode (`bücher.example` → `xn--bcher-kva.example`). */
export function asciiDomain(domain: string): string {
  if (!NON_ASCII.test(domain)) return domain;
  const ascii = punycode(domain);
  if (ascii === '') throw new AnymailInvalidAddress(`Invalid domain ${JSON.stringify(domain)}: it can't be converted to punycode.`);
  return ascii;
}

/** `user@domain` with the domain in punycode. The local part is never changed (see `hasNonAsciiLocalPart`). */
export function toAsciiAddrSpec(address: ParsedAddress): string {
  return NON_ASCII.test(address.domain) ? `${address.username}@${asciiDomain(address.domain)}` : address.addrSpec;
}

/** True when the local part has non-ASCII characters: only SMTPUTF8 can carry it, and some ESPs refuse it. */
export function hasNonAsciiLocalPart(address: ParsedAddress | string): boolean {
  const username = typeof address === 'string' ? address.slice(0, address.lastIndexOf('@')) : address.username;
  return NON_ASCII.test(username);
}

/** Quote a display name when it holds RFC 5322 specials (commas, quotes, ...); others stay as they are. */
export function quoteDisplayName(name: string): string {
  return quoteName(name);
}

function quoteName(name: string): string {
  return NAME_SPECIALS.test(name) ? `"${name.replace(/[\\"]/g, '\\$&')}"` : name;
}

/**
 * Write an address for a header or an API field. 'rfc2047' (default) gives ASCII except for a
 * non-ASCII local part: encoded-word name, punycode domain. 'unicode' keeps everything as is.
 * Either way a name with specials (commas, quotes, ...) is quoted.
 */
export function formatAddress(address: ParsedAddress, options: FormatAddressOptions = {}): string {
  const { displayName } = address;
  if (options.encoding === 'unicode') return displayName ? `${quoteName(displayName)} <${address.addrSpec}>` : address.addrSpec;
  const spec = toAsciiAddrSpec(address);
  if (!displayName) return spec;
  const needsEncoding = /[^\x20-\x7e]/.test(displayName) || displayName.includes('=?');
  return `${needsEncoding ? encodeRfc2047(displayName) : quoteName(displayName)} <${spec}>`;
}
