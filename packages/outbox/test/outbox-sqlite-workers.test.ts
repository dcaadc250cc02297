/**
 * SQLite's claim is one UPDATE … RETURNING under the database's single write lock: two
 * worker processes on one file never send the same message twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeEsp } from '@anymail/core/test';
import { createOutbox } from '../src/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { startWorkers, stopWorkers, waitFor } from './support/worker-fleet.js';

const dir = mkdtempSync(join(tmpdir(), 'outbox-sqlite-workers-'));

describe('SQLite with worker processes', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('2 worker processes on one SQLite file send 1 000 mails exactly once', async () => {
    const database = `sqlite:${join(dir, 'mail.db')}`;
    const outbox = await createOutbox({ database, backends: { default: new ScriptedBackend() } });
    await outbox.migrate();
    const seen = new Map<string, number>();
    const esp = await startFakeEsp({
      'POST /send': (call) => {
        const { subject } = call.json() as { subject: string };
        seen.set(subject, (seen.get(subject) ?? 0) + 1);
        return { body: { id: subject } };
      },
    });
    const workers = await startWorkers(2, { OUTBOX_DATABASE_URL: database, OUTBOX_ESP_URL: esp.url, OUTBOX_POLL_MS: '50', OUTBOX_BATCH_SIZE: '25' });
    try {
      await outbox.sendMany(Array.from({ length: 1000 }, (_, i) => ({ recipients: `s${i}@example.com`, subject: `s${i}` })));
      await waitFor(async () => esp.calls.length >= 1000, 60_000, '1 000 sends');
    } finally {
      await stopWorkers(workers);
      await esp.close();
    }
    const sent = await outbox.db.selectFrom('outbox_email').select('status').where('status', '=', 'sent').execute();
    await outbox.close();
    expect(sent).toHaveLength(1000);
    expect(esp.calls).toHaveLength(1000);
    expect(seen.size).toBe(1000);
    const reports = await Promise.all(workers.map((w) => w.report));
    expect(reports.reduce((sum, r) => sum + (r?.sent ?? 0), 0)).toBe(1000);
  }, 120_000);
});
