import type { EmailMessage } from '../message.js';
import { BaseEmailBackend } from './base-email-backend.js';

/** Does nothing and reports every message as sent (Django's dummy backend). */
export class DummyBackend extends BaseEmailBackend {
  override async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    return messages.length;
  }
}
