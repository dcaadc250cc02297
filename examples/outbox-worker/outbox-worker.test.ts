// The outbox example runs as written: enqueue (in a transaction, and a batch), then drain.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'anymail-outbox-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('queues three mails and a worker pass sends them', async () => {
  const env = { ...process.env, ANYMAIL_OUTBOX_DATABASE_URL: `sqlite:${join(dir, 'mail.db')}` };
  const { stdout, stderr } = await promisify(execFile)(`${root}node_modules/.bin/tsx`, ['examples/outbox-worker/main.ts'], { cwd: root, env });
  expect(stderr).toContain('sent 3, failed 0, requeued 0');
  expect(stdout).toContain('Subject: Welcome, Ann');
  expect(stdout).toContain('Subject: Willkommen, Bob');
}, 60_000);
