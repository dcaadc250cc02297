import { AnymailConfigurationError } from '../errors.js';
import type { EmailMessage } from '../message.js';
import type { SendDefaults } from '../message-defaults.js';
import { AnymailStatus } from '../status.js';
import { runSendPipeline, type SendDriver } from './send-pipeline.js';
import { raisesUnder, settleResults, type SendResult } from './send-result.js';

export interface BaseEmailBackendOptions {
  /** Swallow failed sends (never configuration errors or bugs); a failed message counts as not sent. */
  failSilently?: boolean;
  /**
   * Message fields applied to every message this backend sends, by Anymail's rules: the
   * message's own scalars win, lists are concatenated (defaults first), objects merged.
   * The caller's message is never changed.
   */
  sendDefaults?: SendDefaults;
  /**
   * Messages sent at once by one `sendMessages` call, where the backend sends one message per
   * request. @default 1 (ESP backends: 10)
   */
  sendConcurrency?: number;
}

/** A backend's name for statuses and signals: its `espName`, else its class name. */
export function backendName(backend: BaseEmailBackend): string {
  const espName = (backend as { espName?: unknown }).espName;
  return typeof espName === 'string' ? espName : backend.constructor.name;
}

function checkConcurrency(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new AnymailConfigurationError(`sendConcurrency must be a whole number of at least 1, not ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * What every backend implements (Django's BaseEmailBackend). A backend may hold a
 * connection: `open()` it once for many sends, or let `sendMessages` open and close it.
 *
 * Every built-in backend sends through one pipeline (see `sendDriver`): a subclass says how
 * one message is delivered, and the loop around it (defaults, signals, header checks,
 * statuses, recipients-refused, failSilently, concurrency) is the same for all. A subclass
 * may instead override `sendMessages` itself, as Django backends do; `sendResults` then
 * wraps it.
 */
export abstract class BaseEmailBackend {
  failSilently: boolean;
  /** An alias, set when the backend came from `configure({ backends })`. */
  alias: string | undefined;
  readonly sendDefaults: SendDefaults | undefined;
  /** Messages sent at once by one `sendMessages` call (one-message-per-request backends). */
  readonly sendConcurrency: number;

  constructor(options: BaseEmailBackendOptions = {}) {
    this.failSilently = options.failSilently ?? false;
    this.sendDefaults = options.sendDefaults;
    this.sendConcurrency = checkConcurrency(options.sendConcurrency) ?? this.defaultSendConcurrency();
  }

  /** The `sendConcurrency` when the option is not given. */
  protected defaultSendConcurrency(): number {
    return 1;
  }

  /**
   * A hint from a caller that will keep up to `requests` sends in flight at once (the outbox's
   * drain): a backend with a connection pool sizes it so, when told before its first send. The
   * default does nothing.
   */
  expectConcurrency(requests: number): void {
    if (!Number.isInteger(requests) || requests < 1) {
      throw new AnymailConfigurationError(`expectConcurrency takes a positive whole number of requests, not ${String(requests)}.`);
    }
  }

  /** Open the connection. Returns true when this call opened it (and so should close it). */
  async open(): Promise<boolean> {
    return false;
  }

  /** Close the connection (a no-op when not open). */
  async close(): Promise<void> {}

  /**
   * Send the messages; resolves to how many were sent. A failed send raises (unless
   * failSilently hides it) after the messages already in flight are done, and no further
   * message is started.
   */
  async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    const failSilently = this.failSilently;
    const results = await runSendPipeline(this.#sendDriver(), messages, { stopAfter: (error) => raisesUnder(failSilently, error) });
    return settleResults(results, failSilently);
  }

  /**
   * Send every message and answer one result per message, in input order: its status, or the
   * error that stopped it (never thrown, whatever failSilently says).
   */
  async sendResults(messages: readonly EmailMessage[]): Promise<SendResult[]> {
    if (this.sendMessages !== BaseEmailBackend.prototype.sendMessages) return resultsOfSendMessages(this, messages);
    return runSendPipeline(this.#sendDriver(), messages);
  }

  #driver: SendDriver | undefined;
  /** The driver, built once per backend (it only binds this backend's settings and methods). */
  #sendDriver(): SendDriver {
    this.#driver ??= this.sendDriver();
    return this.#driver;
  }

  /** How this backend takes part in the send pipeline. Subclasses extend it with their delivery. */
  protected sendDriver(): SendDriver {
    return {
      espName: backendName(this),
      sender: this.constructor,
      signals: true,
      concurrency: this.sendConcurrency,
      checkRecipients: true,
      sendDefaults: this.sendDefaults,
      open: () => this.open(),
      close: () => this.close(),
      deliver: () => {
        throw new AnymailConfigurationError(
          `${this.constructor.name} must override sendMessages() or sendDriver() to say how a message is delivered.`,
        );
      },
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Results of a backend that overrides sendMessages itself: one message per call, its count and its error. */
async function resultsOfSendMessages(backend: BaseEmailBackend, messages: readonly EmailMessage[]): Promise<SendResult[]> {
  const espName = backendName(backend);
  const results: SendResult[] = [];
  const opened = messages.length > 0 ? await backend.open().catch(() => false) : false;
  try {
    for (const message of messages) {
      try {
        const sent = await backend.sendMessages([message]);
        // A backend that sets no status (Django-style) still reports its sent message with one.
        const status = sent > 0 ? (message.anymailStatus ?? sentStatus(message, espName)) : message.anymailStatus;
        results.push({
          message,
          outcome: sent > 0 ? 'sent' : message.recipients().length === 0 ? 'no-recipients' : 'cancelled',
          status,
          error: undefined,
          espName: status?.espName ?? espName,
          attempts: status?.attempts,
          sent: message,
        });
      } catch (error) {
        results.push({ message, outcome: 'failed', status: message.anymailStatus, error, espName, attempts: undefined, sent: message });
      }
    }
  } finally {
    if (opened) await backend.close();
  }
  return results;
}

function sentStatus(message: EmailMessage, espName: string): AnymailStatus {
  let emails: string[];
  try {
    emails = message.recipientEmails();
  } catch {
    emails = [];
  }
  const status = AnymailStatus.forAll(emails, 'sent', null);
  status.espName = espName;
  message.anymailStatus = status;
  return status;
}

/** A class that makes a backend from options. */
export type BackendClass<B extends BaseEmailBackend = BaseEmailBackend> = new (options?: never) => B;
