/**
 * How a queued email keeps its `EmailMessage`: core's message codec in the `message_json`
 * column (everything but attachment bytes), and the attachments in their own table, so
 * identical files are stored once. The row's other columns (from, to, subject…) are a copy
 * for queries and for `OutboxEmail`; delivery reads the codec. Rows queued before migration
 * 0003 are converted once, by the migration, through `legacyMessage`.
 */
import { createHash } from 'node:crypto';
import {
  AnymailSerializationError,
  decodeMessage,
  EmailMessage,
  encodeMessage,
  messageToJson,
  type Alternative,
  type Attachment,
  type EncodedMessage,
} from '@anymail/core';
import { openSecrets, sealSecrets } from './outbox-secrets.js';
import { MESSAGE_ESP_FIELDS, type OutboxEspOptions } from './outbox-esp-options.js';

/** Rendered content to put on a message (from the send input or a template). */
export interface MessageContent {
  subject: string;
  text: string;
  html: string;
}

/**
 * Put the content on the message the way post_office builds it: the text is the body and
 * the HTML its last alternative (after any extra alternatives, such as AMP); HTML alone
 * becomes an HTML body.
 */
export function applyContent(message: EmailMessage, content: MessageContent): void {
  message.subject = content.subject;
  message.body = content.text;
  if (content.html === '') return;
  if (content.text === '') {
    message.body = content.html;
    message.contentSubtype = 'html';
  } else {
    message.attachAlternative(content.html, 'text/html');
  }
}

/** What the attachment table keeps of an attachment besides its bytes (the `headers` column). */
interface AttachmentMeta {
  /** Marks rows written by this format; older rows hold `{ 'Content-ID': … }` headers. */
  codec: 1;
  inline: boolean;
  contentId?: string;
  /** The filename was undefined (the `name` column holds ''). */
  noFilename?: true;
  /** How the bytes read back: UTF-8 text, bytes, or a message codec JSON (message/rfc822). */
  kind: 'text' | 'bytes' | 'message';
}

/** One attachment as the attachment table stores it. */
export interface StoredAttachment {
  name: string;
  mimetype: string;
  /** JSON text for the `headers` column. */
  meta: string;
  content: Uint8Array;
  sha256: string;
}

const encoder = new TextEncoder();

export function storedAttachment(attachment: Attachment, index: number): StoredAttachment {
  const { content } = attachment;
  let bytes: Uint8Array;
  let kind: AttachmentMeta['kind'];
  if (typeof content === 'string') [bytes, kind] = [encoder.encode(content), 'text'];
  else if (content instanceof EmailMessage) [bytes, kind] = [encoder.encode(messageToJson(content)), 'message'];
  else if (content instanceof Uint8Array) [bytes, kind] = [content, 'bytes'];
  else throw new AnymailSerializationError(`Cannot queue this EmailMessage: attachments[${index}].content must be a string, a Uint8Array or an EmailMessage.`);
  const meta: AttachmentMeta = { codec: 1, inline: attachment.inline, kind };
  if (attachment.contentId !== undefined) meta.contentId = attachment.contentId;
  if (attachment.filename === undefined) meta.noFilename = true;
  return {
    name: attachment.filename ?? '',
    mimetype: attachment.mimetype,
    meta: JSON.stringify(meta),
    content: bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** An attachment row back as the message's attachment. */
export function loadedAttachment(row: { name: string; mimetype: string; headers: string | null }, bytes: Uint8Array): Attachment {
  const meta = row.headers ? (JSON.parse(row.headers) as Partial<AttachmentMeta> & Record<string, unknown>) : {};
  if (meta.codec !== 1) {
    // A row from before migration 0003: { 'Content-ID': '<id>' } made it inline; text/* went through attach().
    const contentId = typeof meta['Content-ID'] === 'string' ? meta['Content-ID'].replace(/^<|>$/g, '') : undefined;
    const message = new EmailMessage().attach({ filename: row.name, content: bytes, mimetype: row.mimetype, ...(contentId ? { contentId, inline: true } : {}) });
    return message.attachments[0]!;
  }
  const content = meta.kind === 'text' ? new TextDecoder().decode(bytes) : meta.kind === 'message' ? decodeMessage(JSON.parse(new TextDecoder().decode(bytes))) : bytes;
  return { filename: meta.noFilename ? undefined : row.name, content, mimetype: row.mimetype, inline: meta.inline ?? false, contentId: meta.contentId };
}

/** The message as the row keeps it: codec JSON without attachments (they go to their table), and the attachments. */
export function storedMessage(message: EmailMessage, sealKey: Buffer | undefined, seal = true): { json: string; attachments: StoredAttachment[] } {
  const encoded = encodeMessage(message);
  encoded.attachments = [];
  // Credentials in espExtra are sealed (the encoded data is a copy: the message keeps its values).
  if (seal) sealSecrets(encoded.espExtra, sealKey);
  return { json: JSON.stringify(encoded), attachments: message.attachments.map(storedAttachment) };
}

/** The stored message (without attachments, which `loadAttachments` adds). */
export function restoredMessage(json: string, sealKey: Buffer | undefined): EmailMessage {
  const data = JSON.parse(json) as EncodedMessage;
  openSecrets(data.espExtra, sealKey);
  return decodeMessage(data);
}

/** The row's copy of the HTML part, for `OutboxEmail.htmlMessage`. */
export function htmlOf(message: EmailMessage): string {
  if (message.contentSubtype === 'html') return message.body;
  return message.alternatives.find((alternative) => alternative.mimetype === 'text/html')?.content ?? '';
}

/** The ESP features of a stored message, as `OutboxEmail.espOptions` shows them (null when none). */
export function espOptionsOf(data: Record<string, unknown>): OutboxEspOptions | null {
  const options: Record<string, unknown> = {};
  for (const field of MESSAGE_ESP_FIELDS) if (data[field] !== undefined) options[field] = data[field];
  const alternatives = (data['alternatives'] as Alternative[] | undefined) ?? [];
  const extra = alternatives.filter((alternative) => alternative.mimetype !== 'text/html');
  if (extra.length) options['alternatives'] = extra;
  return Object.keys(options).length ? (options as OutboxEspOptions) : null;
}

/** The columns of a row from before migration 0003 that made up its message. */
export interface LegacyRow {
  from_email: string;
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  message: string;
  html_message: string;
  headers: string | null;
  esp_options?: string | null;
  render_on_delivery: number;
}

/**
 * A pre-0003 row's message, built as that version delivered it: ESP features from
 * esp_options, extra alternatives before the HTML part. A render-on-delivery row gets its
 * content at delivery, so only its envelope is kept.
 */
export function legacyMessage(row: LegacyRow): EmailMessage {
  const { alternatives = [], ...espFeatures } = row.esp_options ? (JSON.parse(row.esp_options) as OutboxEspOptions) : {};
  const message = new EmailMessage({
    ...espFeatures,
    from: row.from_email === '' ? undefined : row.from_email,
    to: JSON.parse(row.to) as string[],
    cc: JSON.parse(row.cc) as string[],
    bcc: JSON.parse(row.bcc) as string[],
    headers: row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>),
    alternatives,
  });
  if (!row.render_on_delivery) applyContent(message, { subject: row.subject, text: row.message, html: row.html_message });
  return message;
}
