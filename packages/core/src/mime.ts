import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { parseAddress, parseAddressList, toAsciiAddrSpec, type ParsedAddress } from './address.js';
import { BadHeaderError } from './errors.js';
import { assertNoHeaderInjection } from './header-safety.js';
import type { Attachment, EmailMessage } from './message.js';
import { getSettings } from './settings.js';

type MailAddress = { name: string; address: string };

/** Our parsed address → nodemailer's; nodemailer RFC 2047-encodes the name, the domain is punycode already. */
function toMailAddress(address: ParsedAddress): MailAddress {
  return { name: address.displayName, address: toAsciiAddrSpec(address) };
}

/** Wrap bytes as a Buffer without copying them. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A text/* type given as a string is sent as UTF-8; say so unless the type names a charset. */
function withCharset(mimetype: string, content: unknown): string {
  return typeof content === 'string' && /^text\//i.test(mimetype) && !/;\s*charset=/i.test(mimetype)
    ? `${mimetype}; charset=utf-8`
    : mimetype;
}

function isSevenBit(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 127) return false;
  return true;
}

async function toMailAttachment(attachment: Attachment): Promise<Mail.Attachment> {
  const { content, mimetype, contentId } = attachment;
  const result: Mail.Attachment = {
    filename: attachment.filename ?? false,
    contentType: mimetype,
    contentDisposition: attachment.inline ? 'inline' : 'attachment',
  };
  if (typeof content === 'string') {
    result.content = content;
    result.contentType = withCharset(mimetype, content);
  } else if (content instanceof Uint8Array) {
    result.content = asBuffer(content);
  } else {
    // message/rfc822: the attached EmailMessage, rendered as its own MIME message.
    const nested = asBuffer(await buildMime(content));
    result.content = nested;
    result.contentType = 'message/rfc822';
    // nodemailer marks message parts 8bit; most rendered messages are plain ASCII (7bit).
    if (isSevenBit(nested)) result.contentTransferEncoding = '7bit';
  }
  if (contentId !== undefined) {
    // nodemailer moves `cid` parts next to the HTML (multipart/related); a Content-ID on a
    // non-inline attachment is kept as a plain header so the part stays an attachment.
    if (attachment.inline) result.cid = contentId;
    else result.headers = { 'Content-ID': `<${contentId.replace(/[<>]/g, '')}>` };
  }
  return result;
}

/** Main body and alternatives → nodemailer's text / html / amp / alternatives. */
function bodyParts(message: EmailMessage): Pick<Mail.Options, 'text' | 'html' | 'amp' | 'alternatives'> {
  const parts: Pick<Mail.Options, 'text' | 'html' | 'amp' | 'alternatives'> = {};
  if (message.body !== '') {
    if (message.contentSubtype === 'html') parts.html = message.body;
    else parts.text = message.body;
  }
  const extra: Mail.Attachment[] = [];
  for (const alternative of message.alternatives) {
    const type = alternative.mimetype.split(';')[0]!.trim().toLowerCase();
    if (type === 'text/html' && parts.html === undefined) parts.html = alternative.content;
    else if (type === 'text/x-amp-html' && parts.amp === undefined) parts.amp = alternative.content;
    else if (type === 'text/plain' && parts.text === undefined) parts.text = alternative.content;
    else extra.push({ content: alternative.content, contentType: withCharset(alternative.mimetype, alternative.content) });
  }
  if (extra.length > 0) parts.alternatives = extra;
  else if (parts.html === undefined && parts.amp === undefined && parts.text === undefined && message.attachments.length > 0) {
    // Keep an (empty) text part so a message of attachments only is multipart/mixed, as Django does.
    parts.alternatives = [{ content: '', contentType: 'text/plain; charset=utf-8' }];
  }
  return parts;
}

/**
 * The RFC 5322 message for `message`, built with nodemailer's MailComposer: From, To, Cc and
 * Reply-To (never Bcc), Subject, Date, Message-ID and the extra headers (an extra header with
 * the same name wins over the field, as in Django), body and alternatives, attachments (inline
 * ones next to the HTML so `cid:` works; message/rfc822 ones rendered recursively).
 * Throws BadHeaderError on header injection and AnymailInvalidAddress on a bad address.
 */
export async function buildMime(message: EmailMessage): Promise<Uint8Array> {
  assertNoHeaderInjection(message);
  const given = new Set(Object.keys(message.headers).map((name) => name.toLowerCase()));
  for (const name of ['content-type', 'content-transfer-encoding']) {
    if (given.has(name)) {
      throw new BadHeaderError(
        `headers can't set ${name}: the MIME builder writes it from the body, alternatives and attachments. Remove it, and use contentSubtype or attachAlternative instead.`,
      );
    }
  }
  const from = message.from || getSettings().defaultFromEmail || 'webmaster@localhost';
  const options: Mail.Options = {
    ...bodyParts(message),
    headers: message.headers,
    attachments: await Promise.all(message.attachments.map(toMailAttachment)),
    // Content comes only from strings and bytes: never let a value be read as a path or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  if (!given.has('from')) options.from = toMailAddress(parseAddress(from, 'from'));
  const lists = [
    ['to', 'to', message.to],
    ['cc', 'cc', message.cc],
    ['replyTo', 'reply-to', message.replyTo],
  ] as const;
  for (const [key, header, values] of lists) {
    if (values.length > 0 && !given.has(header)) options[key] = parseAddressList(values, key).map(toMailAddress);
  }
  if (!given.has('subject')) options.subject = message.subject;
  if (!given.has('date')) options.date = new Date();
  // Without a given Message-ID, nodemailer generates one from the sender's domain.
  return new MailComposer(options).compile().build();
}
