import { AnymailAPIError, AnymailError } from '../errors.js';
import type { EmailMessage } from '../message.js';
import { AnymailStatus } from '../status.js';
import { BaseEmailBackend } from './base-email-backend.js';
import type { SendDriver } from './send-pipeline.js';

/** What delivering one message found out: the message id, and recipients the server refused. */
export interface DeliveryResult {
  messageId: string | null;
  /** Bare addresses refused while others were accepted (all refused is AnymailRecipientsRefused). */
  rejected?: readonly string[];
  /** Kept as `anymailStatus.espResponse` (e.g. the SMTP server's reply to the message). */
  espResponse?: unknown;
}

/**
 * The non-ESP backends (console, file, memory, SMTP) in the send pipeline: a subclass says how
 * one message is delivered; the result becomes a `sent` status (refused recipients `rejected`).
 */
export abstract class LocalBackend extends BaseEmailBackend {
  /** Name reported in signals and on `anymailStatus.espName`. */
  abstract readonly espName: string;

  /** Deliver one message (defaults applied, through preSend); resolve to its id (if any) or a DeliveryResult. */
  protected abstract deliver(message: EmailMessage): Promise<string | null | DeliveryResult>;

  protected override sendDriver(): SendDriver {
    return {
      ...super.sendDriver(),
      deliver: async (job) => {
        const delivered = await this.deliver(job.message);
        const result = typeof delivered === 'object' && delivered !== null ? delivered : { messageId: delivered };
        const emails = job.message.recipientEmails();
        const status = AnymailStatus.forAll(emails, 'sent', result.messageId, result.espResponse);
        const rejected = new Set((result.rejected ?? []).map((email) => email.toLowerCase()));
        if (rejected.size > 0) {
          status.setRecipientStatus(
            Object.fromEntries(
              emails.filter((email) => rejected.has(email.toLowerCase())).map((email) => [email, { status: 'rejected' as const, messageId: null }]),
            ),
          );
        }
        return { status };
      },
      failure: (error, stage) => this.#asSendFailure(error, stage === 'open' ? 'could not open its connection' : 'could not deliver the message', stage === 'open' ? 'network' : 'server'),
    };
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
}
