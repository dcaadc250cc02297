/**
 * A core backend that queues instead of sending (post_office's EmailBackend): point
 * `sendMail()` or `EmailMessage.send()` at it, and the outbox delivers later. Each message
 * is queued whole, through core's message codec, so the delivery backend gets every field.
 */
import {
  AnymailStatus,
  BaseEmailBackend,
  type BaseEmailBackendOptions,
  type Delivery,
  type EmailMessage,
  type SendDriver,
  type SendJob,
} from '@anymail/core';
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

/**
 * Queues instead of sending. Runs the core send pipeline (sendDefaults, header checks, statuses,
 * failSilently) without the preSend/postSend signals: those fire when the outbox delivers the
 * message through the real backend. Several messages are queued in one transaction.
 */
export class OutboxEmailBackend extends BaseEmailBackend {
  readonly espName = 'Outbox';
  readonly #options: OutboxEmailBackendOptions;

  constructor(options: OutboxEmailBackendOptions) {
    super(options);
    this.#options = options;
  }

  protected override sendDriver(): SendDriver {
    const queue = async (jobs: readonly SendJob[]): Promise<Delivery[]> => {
      const emails = await this.#options.outbox.sendMany(jobs.map((job) => job.prepared as OutboxSendInput));
      return emails.map((email, i) => ({
        status: AnymailStatus.forAll(jobs[i]!.message.recipientEmails(), 'queued', String(email.id)),
      }));
    };
    return {
      ...super.sendDriver(),
      signals: false,
      fallbackFrom: false,
      prepare: (job) => {
        job.prepared = toInput(job.message, this.#options);
      },
      deliver: async (job) => (await queue([job]))[0]!,
      combined: { max: Number.POSITIVE_INFINITY, canCombine: () => true, deliver: queue },
    };
  }
}
