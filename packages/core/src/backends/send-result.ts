import { AnymailError } from '../errors.js';
import type { EmailMessage } from '../message.js';
import type { AnymailStatus, SendAttempt } from '../status.js';

/**
 * What became of one message: `sent` (the backend accepted it), `failed` (see `error`),
 * `cancelled` (a preSend receiver threw AnymailCancelSend), `no-recipients` (nothing to send),
 * or `not-attempted` (an earlier failure that will be raised stopped `sendMessages`).
 */
export type SendOutcome = 'sent' | 'failed' | 'cancelled' | 'no-recipients' | 'not-attempted';

/** One message's result, as `backend.sendResults()` yields it. Never thrown: errors are values. */
export interface SendResult {
  /** The caller's message (never changed by the send, except its `anymailStatus`). */
  readonly message: EmailMessage;
  readonly outcome: SendOutcome;
  /** The status (also set on `message.anymailStatus`); a failed send gets `failed`/`rejected` statuses. */
  readonly status: AnymailStatus | undefined;
  /** Why the send failed (`outcome: 'failed'`); an AnymailError unless it was a bug. */
  readonly error: unknown;
  /** The backend that sent (for FailoverBackend: the member that answered last). */
  readonly espName: string;
  /** Every try, when the message went through FailoverBackend. */
  readonly attempts: readonly SendAttempt[] | undefined;
  /**
   * The message as sent: a copy with the send defaults applied, as preSend receivers left it.
   * When there was nothing to apply and no signal receiver to edit it, the caller's message itself.
   */
  readonly sent: EmailMessage | undefined;
}

/**
 * The failSilently rule, the only copy: failSilently hides a failed send (any AnymailError),
 * never a configuration error and never an error that isn't Anymail's (a bug, e.g. in a
 * preSend receiver), as Django's backends do.
 */
export function failSilentlyHides(error: unknown): boolean {
  return AnymailError.isInstance(error) && error.category !== 'configuration';
}

/** Whether `error` reaches the caller of `sendMessages` under this failSilently setting. */
export function raisesUnder(failSilently: boolean, error: unknown): boolean {
  return !failSilently || !failSilentlyHides(error);
}

/**
 * `sendMessages`' answer from results: the number sent, or the first failure (in input order)
 * that failSilently does not hide, thrown.
 */
export function settleResults(results: readonly SendResult[], failSilently: boolean): number {
  let sent = 0;
  for (const result of results) {
    if (result.outcome === 'sent') sent++;
    else if (result.outcome === 'failed' && raisesUnder(failSilently, result.error)) throw result.error;
  }
  return sent;
}
