import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    this.filePath = filePath;
  }

  override async open(): Promise<boolean> {
    await mkdir(this.filePath, { recursive: true });
    return false;
  }

  protected async deliver(message: EmailMessage): Promise<string | null> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const name = `${stamp}-${randomBytes(4).toString('hex')}.eml`;
    await writeFile(join(this.filePath, name), await message.message());
    return name;
  }
}
