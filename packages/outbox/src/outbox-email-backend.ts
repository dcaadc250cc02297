/**
 * A core backend that queues instead of sending (post_office's EmailBackend): point
 * `sendMail()` or `EmailMessage.send()` at it, and the outbox delivers later.
 */
import {
  AnymailStatus,
  BaseEmailBackend,
  type BaseEmailBackendOptions,
  type Delivery,
  type EmailMessage,
  type FeatureName,
  type SendDriver,
  type SendJob,
} from '@anymail/core';
import type { OutboxAttachments } from './outbox-attachments.js';
import type { OutboxSendInput } from './outbox-enqueue.js';
import { MESSAGE_ESP_FIELDS, type OutboxEspOptions } from './outbox-esp-options.js';
import type { PriorityName } from './outbox-schema.js';
import type { Outbox } from './outbox.js';

export interface OutboxEmailBackendOptions extends BaseEmailBackendOptions {
  outbox: Outbox;
  /** Priority of queued mail. @default the outbox's defaultPriority */
  priority?: PriorityName;
  /** Backend alias the outbox delivers through. @default 'default' */
  backend?: string;
}

/**
 * Every core message feature is carried by a row column or by espOptions. A feature added to
 * core fails to compile here until the outbox decides how to queue it.
 */
type CarriedByRow = 'from' | 'to' | 'cc' | 'bcc' | 'replyTo' | 'subject' | 'headers' | 'textBody' | 'htmlBody' | 'attachments' | 'sendAt';
type CarriedByEspOptions = keyof OutboxEspOptions | 'ampBody';
type AssertNone<T extends never> = T;
type UncarriedFeatures = AssertNone<Exclude<FeatureName, CarriedByRow | CarriedByEspOptions>>;

function espOptionsOf(message: EmailMessage, alternatives: OutboxEspOptions['alternatives']): OutboxEspOptions | undefined {
  const options: Record<string, unknown> = {};
  for (const field of MESSAGE_ESP_FIELDS) if (message[field] !== undefined) options[field] = message[field];
  if (alternatives?.length) options['alternatives'] = alternatives;
  return Object.keys(options).length ? (options as OutboxEspOptions) : undefined;
}

function toInput(message: EmailMessage, options: OutboxEmailBackendOptions): OutboxSendInput {
  const isHtml = message.contentSubtype === 'html';
  // The row's htmlMessage is delivered as the last alternative, so only a last text/html part
  // goes there; every other alternative keeps its place through espOptions.
  const last = message.alternatives.at(-1);
  const html = !isHtml && last?.mimetype === 'text/html' ? last : undefined;
  const extraAlternatives = html ? message.alternatives.slice(0, -1) : message.alternatives;
  const espOptions = espOptionsOf(message, extraAlternatives);
  const headers = { ...message.headers };
  if (message.replyTo.length) headers['Reply-To'] = message.replyTo.join(', ');
  const attachments: Array<{ name: string; content: string | Uint8Array; mimetype: string; contentId?: string }> = [];
  for (const attachment of message.attachments) {
    if (typeof attachment.content !== 'string' && !(attachment.content instanceof Uint8Array)) {
      throw new TypeError('OutboxEmailBackend cannot queue message/rfc822 attachments yet; attach the message as bytes.');
    }
    attachments.push({
      name: attachment.filename ?? 'attachment',
      content: attachment.content,
      mimetype: attachment.mimetype,
      ...(attachment.inline && attachment.contentId ? { contentId: attachment.contentId } : {}),
    });
  }
  return {
    recipients: message.to,
    cc: message.cc,
    bcc: message.bcc,
    ...(message.from ? { sender: message.from } : {}),
    subject: message.subject,
    message: isHtml ? '' : message.body,
    htmlMessage: isHtml ? message.body : (html?.content ?? ''),
    headers,
    ...(attachments.length ? { attachments: attachments as OutboxAttachments } : {}),
    ...(message.sendAt !== undefined ? { scheduledTime: message.sendAt instanceof Date ? message.sendAt : message.sendAt * 1000 } : {}),
    ...(espOptions ? { espOptions } : {}),
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
