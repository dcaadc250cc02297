import { AnymailCancelSend, AnymailError } from '../errors.js';
import { assertNoHeaderInjection } from '../header-safety.js';
import type { EmailMessage } from '../message.js';
import { applyDefaultFrom } from '../message-defaults.js';
import { preSend } from '../signals.js';

/**
 * The first steps of every backend's send: clear the old status and run preSend. Resolves to
 * false when a receiver cancelled the message (AnymailCancelSend); synchronous when nobody listens.
 */
export function runPreSend(sender: unknown, message: EmailMessage, espName: string): boolean | Promise<boolean> {
  message.anymailStatus = undefined;
  if (!preSend.hasListeners(sender)) return true;
  return preSend.send(sender, { message, espName }).then(
    () => true,
    (error: unknown) => {
      if (AnymailCancelSend.isInstance(error)) return false;
      throw error;
    },
  );
}

/** After preSend: the default sender (Django's DEFAULT_FROM_EMAIL), then the header-injection checks. */
export function checkMessage(message: EmailMessage): void {
  applyDefaultFrom(message);
  assertNoHeaderInjection(message);
}

/**
 * What `failSilently` hides: a failed send (any AnymailError), never a configuration error and
 * never an error that isn't Anymail's (a bug, e.g. in a preSend receiver), as Django's backends do.
 */
export function failSilentlyHides(error: unknown): boolean {
  return AnymailError.isInstance(error) && error.category !== 'configuration';
}
