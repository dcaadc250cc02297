/**
 * SES v2 `Content.Simple` for the messages it can express: a subject, a text and/or HTML body,
 * up to 15 custom headers and plain attachments. SES writes the MIME itself, so Anymail builds
 * no MIME, base64-encodes no message and SES parses none: the cheapest SendEmail. Anything
 * else (other alternatives, AMP, attached messages, headers SES owns, long or empty values…)
 * returns undefined and goes as `Content.Raw` (ses-mime.ts, or core's composer).
 */
import { encodeRfc2047, formatAddress, hasNonAsciiLocalPart, type Attachment, type MessageFeatures, type ParsedAddress } from '@anymail/core';

/** SES v2 `MessageHeaderList` holds at most 15 headers. */
const MAX_HEADERS = 15;
/** `MessageHeaderValue`: 1 to 870 printable ASCII characters. */
const MAX_VALUE = 870;
/** `MessageHeaderName`: printable ASCII without ':', 1 to 126 characters. */
const HEADER_NAME = /^[!-9;-~]{1,126}$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
/**
 * Headers SES writes from the request's own fields, or that describe the MIME structure SES
 * builds: a message that sets one of these is sent raw, so its value is kept exactly.
 */
const SES_OWNED = new Set([
  'from', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'sender', 'return-path', 'date', 'message-id',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition', 'content-id',
]);

export interface SesSimpleHeader {
  Name: string;
  Value: string;
}

export interface SesSimpleContent {
  Subject: { Data: string; Charset?: string };
  Body: { Text?: { Data: string; Charset: string }; Html?: { Data: string; Charset: string } };
  Headers?: SesSimpleHeader[];
  Attachments?: Array<Record<string, string>>;
}

/** One line of ASCII: RFC 2047 encoded-words for anything else (SES takes 7-bit header text). */
function ascii(value: string): string {
  return PRINTABLE.test(value) && !value.includes('=?') ? value : encodeRfc2047(value);
}

function base64(content: string | Uint8Array): string {
  if (typeof content === 'string') return Buffer.from(content, 'utf8').toString('base64');
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('base64');
}

/** An SES `Attachment`, or undefined for what only MIME can carry as given (an attached message, no file name). */
function simpleAttachment(attachment: Attachment): Record<string, string> | undefined {
  const { content } = attachment;
  if (typeof content !== 'string' && !(content instanceof Uint8Array)) return undefined;
  const name = attachment.filename ?? (attachment.inline ? attachment.contentId : undefined);
  if (!name) return undefined;
  const result: Record<string, string> = {
    RawContent: base64(content),
    FileName: name,
    ContentType: typeof content === 'string' && /^text\//i.test(attachment.mimetype) && !/charset=/i.test(attachment.mimetype) ? `${attachment.mimetype}; charset=utf-8` : attachment.mimetype,
    ContentDisposition: attachment.inline ? 'INLINE' : 'ATTACHMENT',
    ContentTransferEncoding: 'BASE64',
  };
  if (attachment.contentId !== undefined) result.ContentId = attachment.contentId.replace(/[<>]/g, '');
  return result;
}

const anyNonAsciiLocalPart = (list: ParsedAddress[] | undefined) => list !== undefined && list.some((address) => hasNonAsciiLocalPart(address));

/**
 * `Content.Simple` for the message, or undefined when it needs raw MIME. `extraHeaders` are
 * Anymail's (X-Metadata, X-Tag…, already ASCII); a message header of the same name replaces them.
 */
export function buildSimpleContent(features: Partial<MessageFeatures>, extraHeaders: ReadonlyArray<[string, string]>): SesSimpleContent | undefined {
  if (features.alternatives || features.ampBody !== undefined) return undefined;
  const { subject, textBody, htmlBody } = features;
  if (!subject || (!textBody && !htmlBody)) return undefined;
  if (!features.from || features.from.length !== 1) return undefined;
  // SMTPUTF8 addresses stay in MIME, where core's composer handles them.
  if (anyNonAsciiLocalPart(features.from) || anyNonAsciiLocalPart(features.to) || anyNonAsciiLocalPart(features.cc) || anyNonAsciiLocalPart(features.bcc) || anyNonAsciiLocalPart(features.replyTo)) {
    return undefined;
  }

  let headers: SesSimpleHeader[] | undefined;
  const own = features.headers;
  for (const [name, value] of extraHeaders) {
    if (own !== undefined && hasHeader(own, name)) continue;
    (headers ??= []).push({ Name: name, Value: value });
  }
  if (own !== undefined) {
    for (const name in own) {
      if (!HEADER_NAME.test(name) || SES_OWNED.has(name.toLowerCase())) return undefined;
      const value = ascii(own[name]!);
      if (value.length === 0 || value.length > MAX_VALUE) return undefined;
      (headers ??= []).push({ Name: name, Value: value });
    }
  }
  if (headers !== undefined && headers.length > MAX_HEADERS) return undefined;

  let attachments: Array<Record<string, string>> | undefined;
  if (features.attachments !== undefined) {
    attachments = [];
    for (const attachment of features.attachments) {
      const converted = simpleAttachment(attachment);
      if (converted === undefined) return undefined;
      attachments.push(converted);
    }
  }

  const body: SesSimpleContent['Body'] = {};
  if (textBody) body.Text = { Data: textBody, Charset: 'UTF-8' };
  if (htmlBody) body.Html = { Data: htmlBody, Charset: 'UTF-8' };
  const content: SesSimpleContent = { Subject: { Data: ascii(subject.replace(/[\r\n]+/g, ' ')) }, Body: body };
  if (headers !== undefined) content.Headers = headers;
  if (attachments !== undefined && attachments.length > 0) content.Attachments = attachments;
  return content;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  for (const key in headers) if (key.toLowerCase() === lower) return true;
  return false;
}

/** The Destination / ReplyToAddresses form of an address: SES writes these into To/Cc/Reply-To headers. */
export const simpleAddress = (address: ParsedAddress) => formatAddress(address);
