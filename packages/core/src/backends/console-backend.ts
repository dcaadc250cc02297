import type { Writable } from 'node:stream';
import type { EmailMessage } from '../message.js';
import type { BaseEmailBackendOptions } from './base-email-backend.js';
import { LocalBackend } from './local-backend.js';

export interface ConsoleBackendOptions extends BaseEmailBackendOptions {
  /** Where to write each message. @default process.stdout */
  stream?: Writable;
}

const SEPARATOR = `${'-'.repeat(79)}\n`;

/** Writes each message's MIME to a stream, for development. */
export class ConsoleBackend extends LocalBackend {
  readonly espName: string = 'Console';
  readonly stream: Writable;

  constructor(options: ConsoleBackendOptions = {}) {
    super(options);
    this.stream = options.stream ?? process.stdout;
  }

  protected async deliver(message: EmailMessage): Promise<string | null> {
    const bytes = await message.message();
    await new Promise<void>((resolve, reject) => {
      this.stream.write(Buffer.concat([Buffer.from(bytes), Buffer.from(`\n${SEPARATOR}`)]), (error) =>
        error ? reject(error) : resolve(),
      );
    });
    return null;
  }
}
