/**
 * A backend for tests: records what it sends, and throws a chosen error for chosen
 * recipients (by bare address), so retry and failure paths can be driven for real.
 */
import { BaseEmailBackend, type EmailMessage } from '@anymail/core';

export class ScriptedBackend extends BaseEmailBackend {
  readonly espName = 'Scripted';
  readonly sent: EmailMessage[] = [];
  /** recipient address → error to throw (each time, or `times` times). */
  readonly failures = new Map<string, { error: unknown; times: number }>();
  opens = 0;
  closes = 0;

  failFor(address: string, error: unknown, times = Infinity): this {
    this.failures.set(address, { error, times });
    return this;
  }

  override async open(): Promise<boolean> {
    this.opens++;
    return true;
  }

  override async close(): Promise<void> {
    this.closes++;
  }

  override async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    for (const message of messages) {
      for (const address of message.recipients()) {
        const failure = this.failures.get(address);
        if (failure && failure.times > 0) {
          failure.times--;
          throw failure.error;
        }
      }
      this.sent.push(message);
    }
    return messages.length;
  }
}
