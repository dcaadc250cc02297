import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { AnymailAPIError, AnymailRecipientsRefused, type FailureCategory } from '../errors.js';
import { parseAddress } from '../address.js';
import type { EmailMessage } from '../message.js';
import { getSettings } from '../settings.js';
import type { BaseEmailBackendOptions } from './base-email-backend.js';
import { LocalBackend } from './local-backend.js';

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
  /** Connection, greeting and socket timeout. @default 30000 */
  timeoutMs?: number;
  /** Extra TLS options, e.g. `{ rejectUnauthorized: false }` for a test server. */
  tls?: { rejectUnauthorized?: boolean; servername?: string; ca?: string | Buffer };
}

interface SmtpErrorLike {
  code?: string;
  responseCode?: number;
  response?: string;
  rejected?: string[];
  message?: string;
}

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
      return { category: 'timeout', deliveryUnknown: true };
    case 'ESOCKET':
      return { category: 'network', deliveryUnknown: true };
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
    this.#options = { ...settings, ...options };
    this.host = this.#options.host ?? 'localhost';
    this.port = this.#options.port ?? (this.#options.useSsl ? 465 : 25);
  }

  override async open(): Promise<boolean> {
    if (this.#transporter) return false;
    const options = this.#options;
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.#transporter = nodemailer.createTransport({
      host: this.host,
      port: this.port,
      secure: options.useSsl ?? false,
      requireTLS: options.useTls ?? false,
      auth: options.username !== undefined ? { user: options.username, pass: options.password ?? '' } : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      pool: true,
      maxConnections: 1,
      tls: options.tls,
    });
    return true;
  }

  override async close(): Promise<void> {
    const transporter = this.#transporter;
    this.#transporter = undefined;
    transporter?.close();
  }

  protected async deliver(message: EmailMessage): Promise<string | null> {
    const transporter = this.#transporter;
    if (!transporter) throw new AnymailAPIError('SMTP connection is not open', { espName: this.espName });
    const envelopeFrom = parseAddress(message.envelopeSender ?? message.from ?? '', 'from').addrSpec;
    const recipients = message.recipientEmails();
    try {
      const info = await transporter.sendMail({
        envelope: { from: envelopeFrom, to: recipients },
        raw: Buffer.from(await message.message()),
      });
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.length > 0 && rejected.length === recipients.length) {
        throw new AnymailRecipientsRefused(`The SMTP server refused every recipient: ${rejected.join(', ')}`, {
          espName: this.espName,
        });
      }
      return typeof info.messageId === 'string' ? info.messageId : null;
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
