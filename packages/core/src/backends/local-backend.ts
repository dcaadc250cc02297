import { AnymailCancelSend, AnymailError } from '../errors.js';
import { assertNoHeaderInjection } from '../header-safety.js';
import type { EmailMessage } from '../message.js';
import { postSend, preSend } from '../signals.js';
import { AnymailStatus } from '../status.js';
import { BaseEmailBackend } from './base-email-backend.js';
import { applyDefaultFrom } from '../message-defaults.js';

/**
 * Shared loop of the non-ESP backends (console, file, memory, SMTP): signals, header checks,
 * failSilently, and a `sent` status. A subclass says how one message is delivered.
 */
export abstract class LocalBackend extends BaseEmailBackend {
  /** Name reported in signals and on `anymailStatus.espName`. */
  abstract readonly espName: string;

  /** Deliver one message; resolve to the message id, if there is one. */
  protected abstract deliver(message: EmailMessage): Promise<string | null>;

  override async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    const opened = await this.open();
    let sent = 0;
    try {
      for (const message of messages) {
        try {
          if (await this.sendOne(message)) sent++;
        } catch (error) {
          if (!this.failSilently || (AnymailError.isInstance(error) && error.category === 'configuration')) throw error;
        }
      }
    } finally {
      if (opened) await this.close();
    }
    return sent;
  }

  private async sendOne(message: EmailMessage): Promise<boolean> {
    const sender = this.constructor;
    try {
      await preSend.send(sender, { message, espName: this.espName });
    } catch (error) {
      if (AnymailCancelSend.isInstance(error)) return false;
      throw error;
    }
    applyDefaultFrom(message);
    assertNoHeaderInjection(message);
    if (message.recipients().length === 0) return false;
    const emails = message.recipientEmails();
    const messageId = await this.deliver(message);
    const status = AnymailStatus.forAll(emails, 'sent', messageId);
    status.espName = this.espName;
    message.anymailStatus = status;
    await postSend.sendRobust(sender, { message, status, espName: this.espName });
    return true;
  }
}
