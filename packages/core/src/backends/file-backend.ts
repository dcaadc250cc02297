import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AnymailConfigurationError } from '../errors.js';
import type { EmailMessage } from '../message.js';
import { getSettings } from '../settings.js';
import type { BaseEmailBackendOptions } from './base-email-backend.js';
import { LocalBackend } from './local-backend.js';

export interface FileBackendOptions extends BaseEmailBackendOptions {
  /** Directory for the .eml files (created if missing). Falls back to the `emailFilePath` setting. */
  filePath?: string;
}

/** Writes one .eml file per message into `filePath`. */
export class FileBackend extends LocalBackend {
  readonly espName: string = 'File';
  readonly filePath: string;

  constructor(options: FileBackendOptions = {}) {
    super(options);
    const filePath = options.filePath ?? getSettings().emailFilePath;
    if (!filePath) {
      throw new AnymailConfigurationError(
        'FileBackend needs a directory: pass { filePath } or configure({ emailFilePath }).',
      );
    }
    // Resolved now, so a later process.chdir() does not move the mail.
    this.filePath = resolve(filePath);
  }

  override async open(): Promise<boolean> {
    try {
      await mkdir(this.filePath, { recursive: true });
    } catch (error) {
      throw new AnymailConfigurationError(
        `FileBackend cannot use ${JSON.stringify(this.filePath)} as its directory (${(error as NodeJS.ErrnoException).code ?? String(error)}). ` +
          'Point filePath (or the emailFilePath setting) at a writable directory.',
        { cause: error },
      );
    }
    return false;
  }

  protected async deliver(message: EmailMessage): Promise<string | null> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const name = `${stamp}-${randomBytes(4).toString('hex')}.eml`;
    await writeFile(join(this.filePath, name), await message.message());
    return name;
  }
}
