import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { AnymailAPIError, AnymailConfigurationError, AnymailRecipientsRefused, type FailureCategory } from '../errors.js';
import { parseAddress } from '../address.js';
import type { EmailMessage } from '../message.js';
import { getSettings } from '../settings.js';
import type { BaseEmailBackendOptions } from './base-email-backend.js';
import { LocalBackend, type DeliveryResult } from './local-backend.js';

export interface SmtpBackendOptions extends BaseEmailBackendOptions {
  /** @default 'localhost' (setting smtp.host) */
  host?: string;
  /** @default 25, or 465 with useSsl (setting smtp.port) */
  port?: number;
  username?: string;
  password?: string;
  /** Require STARTTLS (Django's EMAIL_USE_TLS). */
  useTls?: boolean;
  /** Implicit TLS from the first byte (Django's EMAIL_USE_SSL). */
  useSsl?: boolean;
  /** Socket (idle) timeout for each reply. @default 30000 */
  timeoutMs?: number;
  /**
   * Connect and greeting timeout. A timeout here is known not to have delivered anything
   * (FailoverBackend moves on); a later one may have. Keep it below `timeoutMs`, or a silent
   * server ends as an idle-socket timeout, which counts as delivery unknown.
   * @default min(timeoutMs / 2, 10000)
   */
  connectTimeoutMs?: number;
  /** Extra TLS options, e.g. `{ rejectUnauthorized: false }` for a test server. */
  tls?: { rejectUnauthorized?: boolean; servername?: string; ca?: string | Buffer };
  /** PEM private key file of a TLS client certificate (Django's EMAIL_SSL_KEYFILE); with `sslCertfile`. */
  sslKeyfile?: string;
  /** PEM certificate file presented to the server (Django's EMAIL_SSL_CERTFILE). */
  sslCertfile?: string;
}

/** The client certificate and key, read when the connection opens; a missing file is a configuration error. */
function clientCertificate(options: SmtpBackendOptions): { key?: Buffer; cert?: Buffer } {
  const read = (path: string | undefined, name: string): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new AnymailConfigurationError(`SMTP ${name} ${JSON.stringify(path)} cannot be read: ${(error as Error).message}`, { cause: error });
    }
  };
  if ((options.sslKeyfile === undefined) !== (options.sslCertfile === undefined) && options.sslCertfile === undefined) {
    throw new AnymailConfigurationError('SMTP sslKeyfile needs sslCertfile (the certificate the key belongs to).');
  }
  const key = read(options.sslKeyfile, 'sslKeyfile');
  const cert = read(options.sslCertfile, 'sslCertfile');
  return { ...(key ? { key } : {}), ...(cert ? { cert } : {}) };
}

interface SmtpErrorLike {
  code?: string;
  responseCode?: number;
  response?: string;
  rejected?: string[];
  message?: string;
  syscall?: string;
}

/** nodemailer's messages for timeouts before any SMTP command was sent. */
const BEFORE_SESSION_TIMEOUTS: ReadonlySet<string> = new Set(['Connection timeout', 'Greeting never received']);

function categorize(error: SmtpErrorLike): { category: FailureCategory; deliveryUnknown: boolean } {
  switch (error.code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return { category: 'auth', deliveryUnknown: false };
    case 'ECONNECTION':
    case 'EDNS':
    case 'ETLS':
    case 'EREQUIRETLS':
      return { category: 'network', deliveryUnknown: false };
    case 'ETIMEDOUT':
    case 'ETIMEOUT':
      // No connection, or no greeting: the server never had the message, so failover may move on.
      // A timeout later in the session (e.g. waiting for the reply to DATA) may have delivered it.
      return { category: 'timeout', deliveryUnknown: !BEFORE_SESSION_TIMEOUTS.has(error.message ?? '') };
    case 'ESOCKET':
      // A failed connect() (refused, unreachable) never carried the message.
      return { category: 'network', deliveryUnknown: error.syscall !== 'connect' };
    default:
      break;
  }
  const responseCode = error.responseCode ?? 0;
  if (responseCode === 421 || responseCode === 451 || responseCode === 452) return { category: 'rate-limit', deliveryUnknown: false };
  if (responseCode >= 400 && responseCode < 500) return { category: 'server', deliveryUnknown: false };
  return { category: 'invalid-request', deliveryUnknown: false };
}

/** Sends through an SMTP server, on nodemailer. One connection serves all messages of a call. */
export class SmtpBackend extends LocalBackend {
  readonly espName: string = 'SMTP';
  readonly host: string;
  readonly port: number;
  readonly #options: SmtpBackendOptions;
  #transporter: Transporter | undefined;

  constructor(options: SmtpBackendOptions = {}) {
    super(options);
    const settings = getSettings().smtp ?? {};
    this.#options = { ...settings, ...definedOnly(options) };
    if (this.#options.useTls && this.#options.useSsl) {
      throw new AnymailConfigurationError(
        'SMTP useTls (STARTTLS) and useSsl (implicit TLS) are mutually exclusive: set only one (useSsl for port 465).',
      );
    }
    this.host = this.#options.host ?? 'localhost';
    this.port = this.#options.port ?? (this.#options.useSsl ? 465 : 25);
  }

  override async open(): Promise<boolean> {
    if (this.#transporter) return false;
    const options = this.#options;
    const timeoutMs = options.timeoutMs ?? 30_000;
    // Shorter than the socket timeout, so a silent server ends as "no greeting" (nothing sent).
    const connectTimeoutMs = options.connectTimeoutMs ?? Math.min(Math.ceil(timeoutMs / 2), 10_000);
    this.#transporter = nodemailer.createTransport({
      host: this.host,
      port: this.port,
      secure: options.useSsl ?? false,
      requireTLS: options.useTls ?? false,
      // As Django does: no AUTH unless a username is set.
      auth: options.username ? { user: options.username, pass: options.password ?? '' } : undefined,
      connectionTimeout: connectTimeoutMs,
      greetingTimeout: connectTimeoutMs,
      socketTimeout: timeoutMs,
      pool: true,
      maxConnections: 1,
      tls: { ...options.tls, ...clientCertificate(options) },
    });
    return true;
  }

  override async close(): Promise<void> {
    const transporter = this.#transporter;
    this.#transporter = undefined;
    transporter?.close();
  }

  protected async deliver(message: EmailMessage): Promise<DeliveryResult> {
    const transporter = this.#transporter;
    if (!transporter) throw new AnymailAPIError('SMTP connection is not open', { espName: this.espName });
    const envelopeFrom = parseAddress(message.envelopeSender ?? message.from ?? '', 'from').addrSpec;
    // One RCPT TO per address, even when it appears in both to and cc.
    const recipients = [...new Set(message.recipientEmails())];
    const raw = Buffer.from(await message.message());
    try {
      const info = await transporter.sendMail({ envelope: { from: envelopeFrom, to: recipients }, raw });
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.length > 0 && rejected.length >= recipients.length) {
        throw new AnymailRecipientsRefused(`The SMTP server refused every recipient: ${rejected.join(', ')}`, {
          espName: this.espName,
        });
      }
      // nodemailer's info.messageId is invented for raw messages: report the one actually sent.
      return { messageId: headerValue(raw, 'message-id') ?? null, rejected, espResponse: info.response };
    } catch (error) {
      if (error instanceof AnymailRecipientsRefused) throw error;
      const smtpError = error as SmtpErrorLike;
      if (smtpError.code === 'EENVELOPE' && smtpError.rejected && smtpError.rejected.length > 0) {
        throw new AnymailRecipientsRefused(
          `The SMTP server refused the recipients ${smtpError.rejected.join(', ')}: ${smtpError.response ?? smtpError.message}`,
          { espName: this.espName, statusCode: smtpError.responseCode, cause: error },
        );
      }
      const { category, deliveryUnknown } = categorize(smtpError);
      throw new AnymailAPIError(
        `SMTP send to ${this.host}:${this.port} failed: ${smtpError.response ?? smtpError.message ?? String(error)}`,
        { espName: this.espName, category, deliveryUnknown, statusCode: smtpError.responseCode, cause: error },
      );
    }
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** One header's (unfolded) value from the header block of a raw message. */
function headerValue(raw: Buffer, name: string): string | undefined {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
  }
  return undefined;
}
