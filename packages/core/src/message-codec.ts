/**
 * The message codec: an `EmailMessage` to versioned, JSON-safe data and back, with every
 * field (reply-to, the order of alternatives, inline parts and their Content-IDs, rfc822
 * attachments, Anymail's ESP features, espExtra). Anything that waits for delivery as JSON
 * (the outbox's queue, a job queue) stores this, so the message the ESP finally gets is the
 * one the caller built. A value JSON cannot give back unchanged is refused when encoding,
 * with an `AnymailSerializationError` naming the field; decoding checks the shape and the
 * version and names what is wrong. `connection` and `anymailStatus` are runtime state, not
 * part of a message's content, and are not encoded.
 */
import { AnymailSerializationError } from './errors.js';
import { childPath, jsonProblem } from './json-faithful.js';
import { EmailMessage, type Alternative, type Attachment, type JsonObject } from './message.js';

/** The version `encodeMessage` writes; `decodeMessage` reads this one (and will read older ones). */
export const MESSAGE_CODEC_VERSION = 1;

/** An attachment as data. Its content is exactly one of `text`, `base64` or `message` (rfc822). */
export interface EncodedAttachment {
  filename?: string;
  mimetype: string;
  inline: boolean;
  contentId?: string;
  text?: string;
  base64?: string;
  message?: EncodedMessage;
}

/** An `EmailMessage` as JSON-safe data (`JSON.stringify` it, or store it as JSON). */
export interface EncodedMessage {
  v: typeof MESSAGE_CODEC_VERSION;
  subject: string;
  body: string;
  contentSubtype: 'plain' | 'html';
  from?: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  headers: Record<string, string>;
  /** In the message's order. */
  alternatives: Alternative[];
  /** In the message's order. */
  attachments: EncodedAttachment[];
  envelopeSender?: string;
  metadata?: JsonObject;
  tags?: string[];
  trackClicks?: boolean;
  trackOpens?: boolean;
  /** A Date as its ISO string; epoch seconds as a number. */
  sendAt?: string | number;
  templateId?: string;
  mergeData?: Record<string, JsonObject>;
  mergeGlobalData?: JsonObject;
  mergeMetadata?: Record<string, JsonObject>;
  mergeHeaders?: Record<string, Record<string, string>>;
  espExtra?: Record<string, unknown>;
}

const WHY = 'the message codec keeps messages as JSON';
const ESP_FIELDS = ['envelopeSender', 'metadata', 'tags', 'trackClicks', 'trackOpens', 'templateId', 'mergeData', 'mergeGlobalData', 'mergeMetadata', 'mergeHeaders', 'espExtra'] as const;

function refuse(problem: string): never {
  throw new AnymailSerializationError(`Cannot encode this EmailMessage: ${problem}`);
}

function expect(ok: boolean, path: string, expected: string, value: unknown): void {
  if (!ok) refuse(`${path} must be ${expected} (got ${describe(value)}).`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return (value as { constructor?: { name?: string } }).constructor?.name ?? 'an object';
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value);
}

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((item) => typeof item === 'string');

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** One attachment as data (`path` names it in errors). */
export function encodeAttachment(attachment: Attachment, path = 'attachment', seen: EmailMessage[] = []): EncodedAttachment {
  const { filename, mimetype, inline, contentId, content } = attachment;
  expect(filename === undefined || typeof filename === 'string', `${path}.filename`, 'a string', filename);
  expect(typeof mimetype === 'string', `${path}.mimetype`, 'a string', mimetype);
  expect(typeof inline === 'boolean', `${path}.inline`, 'true or false', inline);
  expect(contentId === undefined || typeof contentId === 'string', `${path}.contentId`, 'a string', contentId);
  const encoded: EncodedAttachment = { mimetype, inline };
  if (filename !== undefined) encoded.filename = filename;
  if (contentId !== undefined) encoded.contentId = contentId;
  if (typeof content === 'string') encoded.text = content;
  else if (content instanceof Uint8Array) encoded.base64 = base64(content);
  else if (content instanceof EmailMessage) encoded.message = encodeAt(content, `${path}.content`, seen);
  else refuse(`${path}.content must be a string, a Uint8Array or an EmailMessage (got ${describe(content)}).`);
  return encoded;
}

function encodeAt(message: EmailMessage, path: string, seen: EmailMessage[]): EncodedMessage {
  if (seen.includes(message)) refuse(`${path} is a message attached (directly or not) to itself; JSON cannot store a cycle.`);
  const inner = [...seen, message];
  const field = (name: string) => childPath(path, name);
  expect(typeof message.subject === 'string', field('subject'), 'a string', message.subject);
  expect(typeof message.body === 'string', field('body'), 'a string', message.body);
  expect(message.contentSubtype === 'plain' || message.contentSubtype === 'html', field('contentSubtype'), "'plain' or 'html'", message.contentSubtype);
  expect(message.from === undefined || typeof message.from === 'string', field('from'), 'a string', message.from);
  for (const name of ['to', 'cc', 'bcc', 'replyTo'] as const) expect(isStringList(message[name]), field(name), 'a list of strings', message[name]);
  expect(isStringRecord(message.headers), field('headers'), 'an object of string values', message.headers);
  const alternatives = message.alternatives.map((alternative, index) => {
    const at = childPath(field('alternatives'), index);
    expect(typeof alternative?.content === 'string', `${at}.content`, 'a string', alternative?.content);
    expect(typeof alternative.mimetype === 'string', `${at}.mimetype`, 'a string', alternative.mimetype);
    return { content: alternative.content, mimetype: alternative.mimetype };
  });
  const attachments = message.attachments.map((attachment, index) => encodeAttachment(attachment, childPath(field('attachments'), index), inner));
  const encoded: EncodedMessage = {
    v: MESSAGE_CODEC_VERSION,
    subject: message.subject,
    body: message.body,
    contentSubtype: message.contentSubtype,
    ...(message.from === undefined ? {} : { from: message.from }),
    to: [...message.to],
    cc: [...message.cc],
    bcc: [...message.bcc],
    replyTo: [...message.replyTo],
    headers: { ...message.headers },
    alternatives,
    attachments,
  };
  if (message.sendAt instanceof Date) {
    expect(!Number.isNaN(message.sendAt.getTime()), field('sendAt'), 'a valid Date', 'Invalid Date');
    encoded.sendAt = message.sendAt.toISOString();
  } else if (message.sendAt !== undefined) {
    expect(typeof message.sendAt === 'number' && Number.isFinite(message.sendAt), field('sendAt'), 'a Date or epoch seconds', message.sendAt);
    encoded.sendAt = message.sendAt;
  }
  const target = encoded as unknown as Record<string, unknown>;
  for (const name of ESP_FIELDS) {
    const value: unknown = message[name];
    if (value === undefined) continue;
    const problem = jsonProblem(value, field(name), WHY);
    if (problem) refuse(problem);
    // A deep copy: the encoded data does not change when the caller edits the message later.
    target[name] = JSON.parse(JSON.stringify(value));
  }
  return encoded;
}

/** The message as JSON-safe data. Throws AnymailSerializationError naming a field JSON cannot keep. */
export function encodeMessage(message: EmailMessage): EncodedMessage {
  return encodeAt(message, 'message', []);
}

/** The message as JSON text. */
export function messageToJson(message: EmailMessage): string {
  return JSON.stringify(encodeMessage(message));
}

function unreadable(problem: string): never {
  throw new AnymailSerializationError(`Cannot decode this message: ${problem}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check(ok: boolean, path: string, expected: string, value: unknown): void {
  if (!ok) unreadable(`${path} must be ${expected} (got ${describe(value)}).`);
}

/** One stored attachment back as the message's attachment. */
export function decodeAttachment(data: unknown, path = 'attachment'): Attachment {
  check(isRecord(data), path, 'an object', data);
  const item = data as Record<string, unknown>;
  check(item['filename'] === undefined || typeof item['filename'] === 'string', `${path}.filename`, 'a string', item['filename']);
  check(typeof item['mimetype'] === 'string', `${path}.mimetype`, 'a string', item['mimetype']);
  check(typeof item['inline'] === 'boolean', `${path}.inline`, 'true or false', item['inline']);
  check(item['contentId'] === undefined || typeof item['contentId'] === 'string', `${path}.contentId`, 'a string', item['contentId']);
  const kinds = (['text', 'base64', 'message'] as const).filter((kind) => item[kind] !== undefined);
  check(kinds.length === 1, path, 'one of text, base64 or message', kinds.join(' and ') || 'none');
  let content: Attachment['content'];
  if (kinds[0] === 'text') {
    check(typeof item['text'] === 'string', `${path}.text`, 'a string', item['text']);
    content = item['text'] as string;
  } else if (kinds[0] === 'base64') {
    check(typeof item['base64'] === 'string', `${path}.base64`, 'a base64 string', item['base64']);
    content = new Uint8Array(Buffer.from(item['base64'] as string, 'base64'));
  } else {
    content = decodeAt(item['message'], `${path}.message`);
  }
  return {
    filename: item['filename'] as string | undefined,
    content,
    mimetype: item['mimetype'] as string,
    inline: item['inline'] as boolean,
    contentId: item['contentId'] as string | undefined,
  };
}

function decodeAt(data: unknown, path: string): EmailMessage {
  check(isRecord(data), path, 'an object', data);
  const d = data as Record<string, unknown>;
  if (d['v'] !== MESSAGE_CODEC_VERSION) {
    unreadable(`${path}.v is ${describe(d['v'])}; this version of @anymail/core reads message codec version ${MESSAGE_CODEC_VERSION}. Upgrade @anymail/core to read newer messages.`);
  }
  const field = (name: string) => childPath(path, name);
  for (const name of ['subject', 'body'] as const) check(typeof d[name] === 'string', field(name), 'a string', d[name]);
  check(d['contentSubtype'] === 'plain' || d['contentSubtype'] === 'html', field('contentSubtype'), "'plain' or 'html'", d['contentSubtype']);
  check(d['from'] === undefined || typeof d['from'] === 'string', field('from'), 'a string', d['from']);
  for (const name of ['to', 'cc', 'bcc', 'replyTo'] as const) check(isStringList(d[name]), field(name), 'a list of strings', d[name]);
  check(isStringRecord(d['headers']), field('headers'), 'an object of string values', d['headers']);
  check(Array.isArray(d['alternatives']), field('alternatives'), 'a list', d['alternatives']);
  check(Array.isArray(d['attachments']), field('attachments'), 'a list', d['attachments']);
  const alternatives = (d['alternatives'] as unknown[]).map((item, index) => {
    const at = childPath(field('alternatives'), index);
    check(isRecord(item) && typeof item['content'] === 'string' && typeof item['mimetype'] === 'string', at, '{ content, mimetype } strings', item);
    const { content, mimetype } = item as unknown as Alternative;
    return { content, mimetype };
  });
  const sendAt = d['sendAt'];
  check(sendAt === undefined || typeof sendAt === 'string' || (typeof sendAt === 'number' && Number.isFinite(sendAt)), field('sendAt'), 'an ISO date or epoch seconds', sendAt);
  const message = new EmailMessage({
    subject: d['subject'] as string,
    body: d['body'] as string,
    contentSubtype: d['contentSubtype'] as 'plain' | 'html',
    from: d['from'] as string | undefined,
    to: d['to'] as string[],
    cc: d['cc'] as string[],
    bcc: d['bcc'] as string[],
    replyTo: d['replyTo'] as string[],
    headers: d['headers'] as Record<string, string>,
    alternatives,
  });
  // Pushed as they were, not through attach(): Django's rules already ran when they were added.
  message.attachments = (d['attachments'] as unknown[]).map((item, index) => decodeAttachment(item, childPath(field('attachments'), index)));
  if (typeof sendAt === 'string') {
    const date = new Date(sendAt);
    check(!Number.isNaN(date.getTime()), field('sendAt'), 'an ISO date', sendAt);
    message.sendAt = date;
  } else {
    message.sendAt = sendAt as number | undefined;
  }
  check(d['envelopeSender'] === undefined || typeof d['envelopeSender'] === 'string', field('envelopeSender'), 'a string', d['envelopeSender']);
  check(d['templateId'] === undefined || typeof d['templateId'] === 'string', field('templateId'), 'a string', d['templateId']);
  check(d['tags'] === undefined || isStringList(d['tags']), field('tags'), 'a list of strings', d['tags']);
  for (const name of ['trackClicks', 'trackOpens'] as const) check(d[name] === undefined || typeof d[name] === 'boolean', field(name), 'true or false', d[name]);
  for (const name of ['metadata', 'mergeData', 'mergeGlobalData', 'mergeMetadata', 'mergeHeaders', 'espExtra'] as const) {
    check(d[name] === undefined || isRecord(d[name]), field(name), 'an object', d[name]);
  }
  const target = message as unknown as Record<string, unknown>;
  for (const name of ESP_FIELDS) if (d[name] !== undefined) target[name] = d[name];
  return message;
}

/** A message from `encodeMessage`'s data (checked; throws AnymailSerializationError naming a bad field). */
export function decodeMessage(data: unknown): EmailMessage {
  return decodeAt(data, 'message');
}

/** A message from `messageToJson`'s text. */
export function messageFromJson(text: string): EmailMessage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new AnymailSerializationError(`Cannot decode this message: it is not JSON (${(error as Error).message}).`, { cause: error });
  }
  return decodeMessage(data);
}
