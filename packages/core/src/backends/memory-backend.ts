import type { EmailMessage } from '../message.js';
import type { BaseEmailBackendOptions } from './base-email-backend.js';
import { LocalBackend } from './local-backend.js';

/**
 * Keeps sent messages in memory (Django's locmem backend). `MemoryBackend.outbox` is shared
 * by every instance, so a test can assert on what any code path sent; clear it between tests.
 */
export class MemoryBackend extends LocalBackend {
  static outbox: EmailMessage[] = [];
  readonly espName: string = 'Memory';

  constructor(options: BaseEmailBackendOptions = {}) {
    super(options);
  }

  /** The shared outbox (same array as `MemoryBackend.outbox`). */
  get outbox(): EmailMessage[] {
    return MemoryBackend.outbox;
  }

  protected async deliver(message: EmailMessage): Promise<string | null> {
    // Build the MIME as a real backend would, so a message that cannot be rendered fails here too.
    await message.message();
    MemoryBackend.outbox.push(message);
    return null;
  }
}
