import type { EmailMessage } from './message.js';
import { getSettings } from './settings.js';

/** Django's rule: a message without a sender uses DEFAULT_FROM_EMAIL ('webmaster@localhost'). */
export function applyDefaultFrom(message: EmailMessage): void {
  if (message.from === undefined || message.from === '') {
    message.from = getSettings().defaultFromEmail ?? 'webmaster@localhost';
  }
}
