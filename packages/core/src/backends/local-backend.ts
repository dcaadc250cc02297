import { AnymailAPIError, AnymailError } from '../errors.js';
import type { EmailMessage } from '../message.js';
import { postSend } from '../signals.js';
import { AnymailStatus } from '../status.js';
import { BaseEmailBackend } from './base-email-backend.js';
import { checkMessage, failSilentlyHides, runPreSend } from './send-steps.js';

/** What delivering one message found out: the message id, and recipients the server refused. */
export interface DeliveryResult {
  messageId: string | null;
  /** Bare addresses refused while others were accepted (all refused is AnymailRecipientsRefused). */
  rejected?: readonly string[];
  /** Kept as `anymailStatus.espResponse` (e.g. the SMTP server's reply to the message). */
  espResponse?: unknown;
}

/**
 * Shared loop of the non-ESP backends (console, file, memory, SMTP): signals, header checks,
 * failSilently, and a `sent` status. A subclass says how one message is delivered.
 */
export abstract class LocalBackend extends BaseEmailBackend {
  /** Name reported in signals and on `anymailStatus.espName`. */
  abstract readonly espName: string;

  /** Deliver one message; resolve to the message id (if there is one) or a DeliveryResult. */
  protected abstract deliver(message: EmailMessage): Promise<string | null | DeliveryResult>;

  override async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    let opened: boolean;
    try {
      opened = await this.open();
    } catch (error) {
      const failure = this.#asSendFailure(error, 'could not open its connection', 'network');
      if (this.#raises(failure)) throw failure;
      return 0;
    }
    let sent = 0;
    try {
      for (const message of messages) {
        try {
          if (await this.sendOne(message)) sent++;
        } catch (error) {
          if (this.#raises(error)) throw error;
        }
      }
    } finally {
      if (opened) await this.close();
    }
    return sent;
  }

  /**
   * A stream, file or socket error from open() or deliver() as an AnymailAPIError: a failed send
   * like any other, so failSilently and FailoverBackend treat it as one. Anymail's errors pass as they are.
   */
  #asSendFailure(error: unknown, what: string, category: 'network' | 'server'): unknown {
    if (AnymailError.isInstance(error)) return error;
    return new AnymailAPIError(`${this.espName} ${what}: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'ANYMAIL_DELIVERY_FAILED',
      category,
      espName: this.espName,
      deliveryUnknown: false,
      cause: error,
    });
  }

  #raises(error: unknown): boolean {
    return !this.failSilently || !failSilentlyHides(error);
  }

  private async sendOne(message: EmailMessage): Promise<boolean> {
    const sender = this.constructor;
    if (!(await runPreSend(sender, message, this.espName))) return false;
    checkMessage(message);
    if (message.recipients().length === 0) return false;
    const emails = message.recipientEmails();
    let result: DeliveryResult;
    try {
      const delivered = await this.deliver(message);
      result = typeof delivered === 'object' && delivered !== null ? delivered : { messageId: delivered };
    } catch (error) {
      // A failed send still leaves a status saying so (a stale one from an earlier send would mislead).
      const refused = AnymailError.isInstance(error) && error.category === 'recipients-refused';
      message.anymailStatus = AnymailStatus.forAll(emails, refused ? 'rejected' : 'failed', null);
      message.anymailStatus.espName = this.espName;
      throw this.#asSendFailure(error, 'could not deliver the message', 'server');
    }
    const status = AnymailStatus.forAll(emails, 'sent', result.messageId, result.espResponse);
    const rejected = new Set((result.rejected ?? []).map((email) => email.toLowerCase()));
    if (rejected.size > 0) {
      const refusedStatuses = Object.fromEntries(
        emails.filter((email) => rejected.has(email.toLowerCase())).map((email) => [email, { status: 'rejected' as const, messageId: null }]),
      );
      status.setRecipientStatus(refusedStatuses);
    }
    status.espName = this.espName;
    message.anymailStatus = status;
    await postSend.sendRobust(sender, { message, status, espName: this.espName });
    return true;
  }
}
