/**
 * A core backend that queues instead of sending (post_office's EmailBackend): point
 * `sendMail()` or `EmailMessage.send()` at it, and the outbox delivers later.
 */
import { BaseEmailBackend, type BaseEmailBackendOptions, type EmailMessage } from '@anymail/core';
import type { OutboxAttachments } from './outbox-attachments.js';
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
  const html = message.alternatives.find((alternative) => alternative.mimetype === 'text/html');
  const isHtml = message.contentSubtype === 'html';
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
