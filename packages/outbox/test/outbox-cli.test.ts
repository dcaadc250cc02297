import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../src/cli/anymail-outbox.js';
import { createOutbox } from '../src/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { backend } from './fixtures/cli-config.js';

const dir = mkdtempSync(join(tmpdir(), 'outbox-cli-'));
const databaseUrl = `sqlite:${join(dir, 'mail.db')}`;
const config = new URL('./fixtures/cli-config.ts', import.meta.url).pathname;

function io(env: Record<string, string | undefined> = {}): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { out: (l) => void lines.push(l), err: (t) => void errors.push(t), isTty: true, env, lines, errors };
}

describe('anymail-outbox CLI', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate applies migrations once, reading ANYMAIL_OUTBOX_DATABASE_URL', async () => {
    const first = io({ ANYMAIL_OUTBOX_DATABASE_URL: databaseUrl });
    expect(await runCli(['migrate'], first)).toBe(0);
    expect(first.lines).toEqual(['Applied migrations: 0001_initial, 0002_esp_options, 0003_message_codec, 0004_send_result, 0005_backend_health']);
    const second = io({ ANYMAIL_OUTBOX_DATABASE_URL: databaseUrl });
    expect(await runCli(['migrate'], second)).toBe(0);
    expect(second.lines).toEqual(['No migrations to apply.']);
  });

  it('send-queued delivers through the config’s backends, draws progress, and exits 1 when some mail failed', async () => {
    const outbox = await createOutbox({ database: databaseUrl, backends: { default: new ScriptedBackend() } });
    await outbox.sendMany([{ recipients: 'a@example.com' }, { recipients: 'b@example.com' }, { recipients: 'bad@example.com' }]);
    await outbox.close();
    backend.failFor('bad@example.com', new TypeError('not deliverable'));
    process.env['CLI_TEST_DATABASE'] = databaseUrl;
    const run = io();
    expect(await runCli(['send-queued', '--config', config], run)).toBe(1);
    expect(backend.sent.map((m) => m.to[0]).sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(run.errors.join('')).toContain('3/3: 2 sent, 1 failed, 0 requeued');
    expect(run.lines.at(-1)).toMatch(/^Sent 2, failed 1, requeued 0 in /);
  });

  it('cleanup deletes by --days; usage errors exit 2 with the fix in the message', async () => {
    const run = io();
    expect(await runCli(['cleanup', '--database', databaseUrl, '--days', '0'], run)).toBe(0);
    expect(run.lines).toEqual(['Deleted 3 emails and 0 attachments.']);
    const noDb = io();
    expect(await runCli(['migrate'], noDb)).toBe(2);
    expect(noDb.errors.join('')).toMatch(/pass --database, set ANYMAIL_OUTBOX_DATABASE_URL/);
    const noBackends = io();
    expect(await runCli(['send-queued', '--database', databaseUrl], noBackends)).toBe(2);
    expect(noBackends.errors.join('')).toMatch(/--config <module>/);
    expect(await runCli(['frobnicate'], io())).toBe(2);
  });
});
