import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeOutboxStoreConformance } from '../src/test/index.js';

let dir: string;

describeOutboxStoreConformance({
  name: 'SQLite file (WAL)',
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'outbox-sqlite-'));
    return { database: `sqlite:${join(dir, 'mail.db')}` };
  },
  async teardown() {
    rmSync(dir, { recursive: true, force: true });
  },
});
