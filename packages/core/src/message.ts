import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseAddressList } from './address.js';
import { AnymailInvalidAddress } from './errors.js';
import type { BaseEmailBackend } from './backends/base-email-backend.js';
import { DEFAULT_ATTACHMENT_MIMETYPE, guessMimetype } from './mimetypes.js';
import type { AnymailStatus } from './status.js';

/** JSON-like values allowed in metadata and merge data. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** An attachment as stored on the message. */
export interface Attachment {
  filename: string | undefined;
  /** Text for text/* types, bytes otherwise, or a whole message for message/rfc822. */
  content: string | Uint8Array | EmailMessage;
  mimetype: string;
  /** Inline parts are shown in the HTML body through `cid:<contentId>`. */
  inline: boolean;
  contentId: string | undefined;
}

export interface AttachmentInput {
  filename?: string;
  content: string | Uint8Array | EmailMessage;
  mimetype?: string;
  /** A fixed Content-ID (without angle brackets); implies inline unless `inline: false`. */
  contentId?: string;
  inline?: boolean;
}

/** A body alternative such as `text/html` or `text/x-amp-html`. */
export interface Alternative {
  content: string;
  mimetype: string;
}

/** Everything the `EmailMessage` constructor takes. */
export interface EmailMessageInit {
  subject?: string;
  /** The main body; its type is `contentSubtype` (plain text unless set to 'html'). */
  body?: string;
  /** Sender; defaults to the `defaultFromEmail` setting. */
  from?: string;
  to?: string | readonly string[];
  cc?: string | readonly string[];
  bcc?: string | readonly string[];
  replyTo?: string | readonly string[];
  /** Extra headers, e.g. `{ 'X-Campaign': 'spring' }`. */
  headers?: Record<string, string>;
  attachments?: ReadonlyArray<AttachmentInput | Attachment>;
  alternatives?: readonly Alternative[];
  /** The backend `send()` uses; otherwise `getConnection()`. */
  connection?: BaseEmailBackend;
  contentSubtype?: 'plain' | 'html';
  /** Envelope (return-path) sender, where the ESP supports it. */
  envelopeSender?: string;
  /** Data the ESP stores with the message and returns in tracking events. */
  metadata?: JsonObject;
  tags?: readonly string[];
  trackClicks?: boolean;
  trackOpens?: boolean;
  /** Scheduled delivery: a Date, or epoch seconds. */
  sendAt?: Date | number;
  /** An ESP-stored template's id or alias. */
  templateId?: string;
  /** Per-recipient merge data, keyed by bare email address. Setting it (even `{}`) makes a batch send. */
  mergeData?: Record<string, JsonObject>;
  mergeGlobalData?: JsonObject;
  mergeMetadata?: Record<string, JsonObject>;
  mergeHeaders?: Record<string, Record<string, string>>;
  /** ESP-specific request fields, merged into the ESP's API request. */
  espExtra?: Record<string, unknown>;
}

// Loaded on first use, so importing EmailMessage loads neither nodemailer (MIME) nor the
// backend registry (getConnection): a message can be built where neither is wanted.
let mimeModule: Promise<typeof import('./mime.js')> | undefined;
let connectionModule: Promise<typeof import('./connection.js')> | undefined;

let contentIdCounter = 0;
/** A unique Content-ID (without angle brackets). */
export function makeContentId(domain = 'anymail.invalid'): string {
  contentIdCounter = (contentIdCounter + 1) % 1_000_000;
  return `${Date.now().toString(36)}.${contentIdCounter}.${randomBytes(6).toString('hex')}@${domain}`;
}

function allStrings(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i++) if (typeof list[i] !== 'string') return false;
  return true;
}

/** An address field as a list; a plain-JS value of another type is refused here, not later in a crash. */
function toList(value: string | readonly string[] | undefined, field: string): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && allStrings(value)) return [...(value as readonly string[])];
  const got = Array.isArray(value) ? `a list holding ${typeof value.find((item) => typeof item !== 'string')}` : value === null ? 'null' : typeof value;
  throw new AnymailInvalidAddress(`${field} must be an email address string or a list of them (got ${got}).`);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * One email: Django's EmailMessage and EmailMultiAlternatives, with Anymail's additions.
 * Fields are plain public properties, as in Django.
 */
export class EmailMessage {
  subject: string;
  body: string;
  from: string | undefined;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  headers: Record<string, string>;
  attachments: Attachment[] = [];
  alternatives: Alternative[];
  connection: BaseEmailBackend | undefined;
  contentSubtype: 'plain' | 'html';
  envelopeSender: string | undefined;
  metadata: JsonObject | undefined;
  tags: string[] | undefined;
  trackClicks: boolean | undefined;
  trackOpens: boolean | undefined;
  sendAt: Date | number | undefined;
  templateId: string | undefined;
  mergeData: Record<string, JsonObject> | undefined;
  mergeGlobalData: JsonObject | undefined;
  mergeMetadata: Record<string, JsonObject> | undefined;
  mergeHeaders: Record<string, Record<string, string>> | undefined;
  espExtra: Record<string, unknown> | undefined;
  /** Set after a send (or a failed send) by the backend. */
  anymailStatus: AnymailStatus | undefined = undefined;

  constructor(init: EmailMessageInit = {}) {
    this.subject = init.subject ?? '';
    this.body = init.body ?? '';
    this.from = init.from;
    this.to = toList(init.to, 'to');
    this.cc = toList(init.cc, 'cc');
    this.bcc = toList(init.bcc, 'bcc');
    this.replyTo = toList(init.replyTo, 'replyTo');
    this.headers = { ...init.headers };
    this.alternatives = [...(init.alternatives ?? [])];
    this.connection = init.connection;
    this.contentSubtype = init.contentSubtype ?? 'plain';
    this.envelopeSender = init.envelopeSender;
    this.metadata = init.metadata;
    this.tags = init.tags === undefined ? undefined : [...init.tags];
    this.trackClicks = init.trackClicks;
    this.trackOpens = init.trackOpens;
    this.sendAt = init.sendAt;
    this.templateId = init.templateId;
    this.mergeData = init.mergeData;
    this.mergeGlobalData = init.mergeGlobalData;
    this.mergeMetadata = init.mergeMetadata;
    this.mergeHeaders = init.mergeHeaders;
    this.espExtra = init.espExtra;
    for (const attachment of init.attachments ?? []) this.attach(attachment);
  }

  /**
   * Add an attachment. With Django's rules: the type is guessed from the filename when not
   * given; text/* bytes that are not UTF-8 become application/octet-stream; message/rfc822
   * takes an EmailMessage.
   */
  attach(filename: string | undefined, content: string | Uint8Array | EmailMessage, mimetype?: string): this;
  attach(attachment: AttachmentInput): this;
  attach(
    first: string | undefined | AttachmentInput,
    content?: string | Uint8Array | EmailMessage,
    mimetype?: string,
  ): this {
    const input: AttachmentInput =
      typeof first === 'object' && first !== null ? first : { filename: first, content: content ?? '', mimetype };
    let type = input.mimetype ?? guessMimetype(input.filename) ?? DEFAULT_ATTACHMENT_MIMETYPE;
    let body = input.content;
    if (body instanceof EmailMessage) {
      type = 'message/rfc822';
    } else if (type.toLowerCase().startsWith('text/') && body instanceof Uint8Array) {
      if (isUtf8(body)) body = new TextDecoder().decode(body);
      else type = DEFAULT_ATTACHMENT_MIMETYPE;
    }
    const inline = input.inline ?? input.contentId !== undefined;
    this.attachments.push({
      filename: input.filename,
      content: body,
      mimetype: type,
      inline,
      contentId: input.contentId ?? (inline ? makeContentId() : undefined),
    });
    return this;
  }

  /** Attach a file from disk; the type is guessed from its name unless given. */
  attachFile(path: string, mimetype?: string): this {
    return this.attach(basename(path), new Uint8Array(readFileSync(path)), mimetype);
  }

  /** Add a body alternative, e.g. `attachAlternative(html, 'text/html')`. */
  attachAlternative(content: string, mimetype: string): this {
    this.alternatives.push({ content, mimetype });
    return this;
  }

  /** Attach an inline image and return its Content-ID, for `<img src="cid:...">`. */
  attachInlineImage(content: Uint8Array, options: { filename?: string; contentId?: string; mimetype?: string } = {}): string {
    const contentId = options.contentId ?? makeContentId();
    this.attach({
      filename: options.filename,
      content,
      mimetype: options.mimetype ?? guessMimetype(options.filename) ?? 'image/png',
      contentId,
      inline: true,
    });
    return contentId;
  }

  /** Every recipient: to, cc and bcc, as given. */
  recipients(): string[] {
    return [...this.to, ...this.cc, ...this.bcc].filter((address) => address !== '');
  }

  /** Bare email addresses of every recipient (parsed; throws AnymailInvalidAddress on a bad one). */
  recipientEmails(): string[] {
    return parseAddressList(this.recipients(), 'recipients').map((address) => address.addrSpec);
  }

  /** The RFC 5322 message, as bytes. */
  async message(): Promise<Uint8Array> {
    mimeModule ??= import('./mime.js');
    return (await mimeModule).buildMime(this);
  }

  /** Send through `connection` (or `getConnection()`); resolves to 1 when sent, 0 when not. */
  async send(options: { failSilently?: boolean } = {}): Promise<number> {
    // No early return without recipients: the backend's sendDefaults may add them.
    let connection = this.connection;
    if (!connection) {
      connectionModule ??= import('./connection.js');
      connection = await (await connectionModule).getConnection(undefined, { failSilently: options.failSilently });
    }
    return connection.sendMessages([this]);
  }

  /** A copy that can be edited without touching this one (attachment bytes are shared). */
  clone(): EmailMessage {
    const copy = new EmailMessage();
    Object.assign(copy, this);
    copy.to = [...this.to];
    copy.cc = [...this.cc];
    copy.bcc = [...this.bcc];
    copy.replyTo = [...this.replyTo];
    copy.headers = { ...this.headers };
    copy.attachments = this.attachments.map((a) => ({ ...a }));
    copy.alternatives = this.alternatives.map((a) => ({ ...a }));
    copy.tags = this.tags && [...this.tags];
    copy.metadata = this.metadata && structuredClone(this.metadata);
    copy.mergeData = this.mergeData && structuredClone(this.mergeData);
    copy.mergeGlobalData = this.mergeGlobalData && structuredClone(this.mergeGlobalData);
    copy.mergeMetadata = this.mergeMetadata && structuredClone(this.mergeMetadata);
    copy.mergeHeaders = this.mergeHeaders && structuredClone(this.mergeHeaders);
    copy.espExtra = this.espExtra && { ...this.espExtra };
    copy.sendAt = this.sendAt instanceof Date ? new Date(this.sendAt) : this.sendAt;
    copy.anymailStatus = undefined;
    return copy;
  }
}

/** Django's EmailMultiAlternatives is the same class here. */
export { EmailMessage as EmailMultiAlternatives };
