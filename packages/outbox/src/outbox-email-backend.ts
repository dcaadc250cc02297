/**
 * A core backend that queues instead of sending (post_office's EmailBackend): point
 * `sendMail()` or `EmailMessage.send()` at it, and the outbox delivers later. Each message
 * is queued whole, through core's message codec, so the delivery backend gets every field.
 */
import { BaseEmailBackend, type BaseEmailBackendOptions, type EmailMessage } from '@anymail/core';
import type { OutboxSendInput } from './outbox-enqueue.js';
import type { PriorityName } from './outbox-schema.js';
import type { Outbox } from './outbox.js';

export interface OutboxEmailBackendOptions extends BaseEmailBackendOptions {
  outbox: Outbox;
  /** Priority of queued mail. @default the outbox's defaultPriority */
  priority?: PriorityName;
  /** Backend alias the outbox delivers through. @default 'default' */
  backend?: string;
}

function toInput(message: EmailMessage, options: OutboxEmailBackendOptions): OutboxSendInput {
  return {
    emailMessage: message,
    ...(options.priority ? { priority: options.priority } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
  };
}

export class OutboxEmailBackend extends BaseEmailBackend {
  readonly espName = 'Outbox';
  readonly #options: OutboxEmailBackendOptions;

  constructor(options: OutboxEmailBackendOptions) {
    super(options);
    this.#options = options;
  }

  /** Queues every message with recipients; resolves to how many were queued. */
  override async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    const inputs = messages.filter((message) => message.recipients().length > 0).map((message) => toInput(message, this.#options));
    try {
      return (await this.#options.outbox.sendMany(inputs)).length;
    } catch (error) {
      if (this.failSilently) return 0;
      throw error;
    }
  }
}
