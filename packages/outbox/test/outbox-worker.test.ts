import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutbox } from '../src/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { waitFor } from './support/worker-fleet.js';

const dir = mkdtempSync(join(tmpdir(), 'outbox-worker-'));

describe('outbox.work() on SQLite', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drains, picks up mail queued later by polling, and stops on abort with its totals', async () => {
    const backend = new ScriptedBackend();
    const outbox = await createOutbox({ database: `sqlite:${join(dir, 'poll.db')}`, backends: { default: backend }, pollIntervalMs: 20 });
    await outbox.migrate();
    await outbox.send({ recipients: 'first@example.com' });
    const controller = new AbortController();
    const running = outbox.work({ signal: controller.signal });
    await waitFor(async () => backend.sent.length === 1, 5_000, 'the first mail');
    await outbox.send({ recipients: 'second@example.com' });
    await waitFor(async () => backend.sent.length === 2, 5_000, 'the second mail');
    controller.abort();
    expect(await running).toEqual({ sent: 2, failed: 0, requeued: 0 });
    await outbox.close();
  });

  it('reports a failing drain to onError and keeps going; without onError the error ends work()', async () => {
    const outbox = await createOutbox({ database: `sqlite:${join(dir, 'broken.db')}`, backends: { default: new ScriptedBackend() }, pollIntervalMs: 10, autoMigrate: false });
    // Not migrated: every claim fails with "no such table".
    const errors: unknown[] = [];
    const controller = new AbortController();
    const running = outbox.work({ signal: controller.signal, onError: (error) => void errors.push(error) });
    await waitFor(async () => errors.length >= 2, 5_000, 'two reported errors');
    controller.abort();
    await running;
    expect(String(errors[0])).toMatch(/no such table/);
    await expect(outbox.work({ signal: new AbortController().signal })).rejects.toThrow(/no such table/);
    await outbox.close();
  });
});
