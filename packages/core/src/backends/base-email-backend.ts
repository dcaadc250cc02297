import type { EmailMessage } from '../message.js';

export interface BaseEmailBackendOptions {
  /** Swallow send errors (never configuration errors); the failed message counts as not sent. */
  failSilently?: boolean;
}

/**
 * What every backend implements (Django's BaseEmailBackend). A backend may hold a
 * connection: `open()` it once for many sends, or let `sendMessages` open and close it.
 */
export abstract class BaseEmailBackend {
  failSilently: boolean;
  /** An alias, set when the backend came from `configure({ backends })`. */
  alias: string | undefined;

  constructor(options: BaseEmailBackendOptions = {}) {
    this.failSilently = options.failSilently ?? false;
  }

  /** Open the connection. Returns true when this call opened it (and so should close it). */
  async open(): Promise<boolean> {
    return false;
  }

  /** Close the connection (a no-op when not open). */
  async close(): Promise<void> {}

  /** Send the messages; resolves to how many were sent. */
  abstract sendMessages(messages: readonly EmailMessage[]): Promise<number>;

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A class that makes a backend from options. */
export type BackendClass<B extends BaseEmailBackend = BaseEmailBackend> = new (options?: never) => B;
