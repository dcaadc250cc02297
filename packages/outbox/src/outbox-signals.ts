import { Signal } from '@anymail/core';
import type { OutboxEmail } from './outbox-email.js';

export interface EmailQueuedArgs {
  /** The emails just queued (one for `send`, many for `sendMany`). */
  emails: OutboxEmail[];
}

/** post_office's `email_queued`: sent after emails are inserted (the sender is the outbox). */
export const emailQueued = new Signal<EmailQueuedArgs>('emailQueued');
