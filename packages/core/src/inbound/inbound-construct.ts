/**
 * ESPs that post parsed fields (Mailgun, SendGrid and Postmark by default) get their message put back
 * together as MIME with nodemailer's MailComposer, then parsed like any received message.
 */
import type Mail from 'nodemailer/lib/mailer/index.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { AnymailInboundMessage } from './inbound-message.js';
import { parseInboundMime, sanitizeHeaderText, type InboundExtrasSource } from './inbound-mime.js';

/** One attachment of an ESP's parsed-fields post. */
export interface InboundFieldAttachment {
  filename?: string | undefined;
  contentType?: string | undefined;
  content: Uint8Array;
  contentId?: string | undefined;
  /** @default true when contentId is set */
  inline?: boolean | undefined;
}

/** What an ESP that posts parsed fields gives; put back together into MIME by `constructInboundMime`. */
export interface InboundFields {
  /** The original headers in order; From, To, Subject... given here win over the fields below. */
  headers?: readonly (readonly [name: string, value: string])[];
  from?: string | undefined;
  to?: string | undefined;
  cc?: string | undefined;
  replyTo?: string | undefined;
  subject?: string | undefined;
  date?: string | undefined;
  messageId?: string | undefined;
  text?: string | undefined;
  html?: string | undefined;
  attachments?: readonly InboundFieldAttachment[];
}

/** Headers MailComposer writes from the body and parts; the original ones describe a structure we don't have. */
const STRUCTURE_HEADERS = new Set(['content-type', 'content-transfer-encoding', 'content-disposition', 'mime-version', 'content-length']);

/** Put an ESP's parsed fields back together as MIME, then parse it like any received message. */
export async function constructInboundMime(
  fields: InboundFields,
  extras: InboundExtrasSource = {},
  espName?: string,
): Promise<AnymailInboundMessage> {
  const given = new Set<string>();
  const headers: { key: string; value: string }[] = [];
  // nodemailer writes these only from its own fields (and invents Date and Message-ID): kept aside.
  const addressHeaders: Record<'from' | 'to' | 'cc' | 'reply-to' | 'date' | 'message-id', string | undefined> = {
    from: undefined,
    to: undefined,
    cc: undefined,
    'reply-to': undefined,
    date: undefined,
    'message-id': undefined,
  };
  for (const [name, value] of fields.headers ?? []) {
    const key = sanitizeHeaderText(name).replace(/[\s:]/g, '');
    if (key === '' || STRUCTURE_HEADERS.has(key.toLowerCase())) continue;
    const lower = key.toLowerCase();
    const clean = sanitizeHeaderText(value.replace(/\r?\n(?=[ \t])/g, '')).trim();
    if (lower in addressHeaders) {
      if (!given.has(lower)) addressHeaders[lower as keyof typeof addressHeaders] = clean;
    } else {
      // `prepared`: kept as received (already encoded); unfolded, and CR/LF can't start a new header.
      headers.push({ key, value: clean });
    }
    given.add(lower);
  }
  const options: Mail.Options = {
    attachments: (fields.attachments ?? []).map((attachment) => ({
      content: Buffer.from(attachment.content.buffer, attachment.content.byteOffset, attachment.content.byteLength),
      contentType: attachment.contentType || 'application/octet-stream',
      ...(attachment.filename ? { filename: sanitizeHeaderText(attachment.filename) } : {}),
      ...(attachment.contentId ? { cid: sanitizeHeaderText(attachment.contentId).replace(/^<|>$/g, '') } : {}),
      contentDisposition: (attachment.inline ?? attachment.contentId !== undefined) ? 'inline' : 'attachment',
    })),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  if (fields.text !== undefined) options.text = fields.text;
  if (fields.html !== undefined) options.html = fields.html;
  const clean = (value: string | undefined, header: string) =>
    value && !given.has(header) ? sanitizeHeaderText(value) : undefined;
  const from = addressHeaders.from ?? clean(fields.from, 'from');
  const to = addressHeaders.to ?? clean(fields.to, 'to');
  const cc = addressHeaders.cc ?? clean(fields.cc, 'cc');
  const replyTo = addressHeaders['reply-to'] ?? clean(fields.replyTo, 'reply-to');
  const subject = clean(fields.subject, 'subject');
  const date = addressHeaders.date ?? clean(fields.date, 'date');
  const messageId = addressHeaders['message-id'] ?? clean(fields.messageId, 'message-id');
  if (from) options.from = from;
  if (to) options.to = to;
  if (cc) options.cc = cc;
  if (replyTo) options.replyTo = replyTo;
  if (subject) options.subject = subject;
  options.headers = headers.map(({ key, value }) => ({ key, value: { prepared: true, value } })) as unknown as Mail.Headers;
  const built = await new MailComposer(options).compile().build();
  // A received message has only the Date and Message-ID the sender wrote (nodemailer would invent them).
  const kept = [date === undefined ? '' : `Date: ${date}\r\n`, messageId === undefined ? '' : `Message-ID: ${messageId}\r\n`].join('');
  const raw = Buffer.concat([Buffer.from(kept, 'utf8'), dropHeaders(built, ['date', 'message-id'])]);
  return parseInboundMime(raw, extras, espName);
}

/** Remove top-level header lines by (lower-case) name. */
function dropHeaders(raw: Buffer, names: readonly string[]): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0 || names.length === 0) return raw;
  const lines = raw.subarray(0, end).toString('latin1').split(/\r\n(?![ \t])/);
  const kept = lines.filter((line) => !names.includes(line.slice(0, line.indexOf(':')).toLowerCase()));
  return Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), raw.subarray(end)]);
}
