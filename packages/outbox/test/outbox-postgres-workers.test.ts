/**
 * Several worker processes on one PostgreSQL queue: each message reaches the (loopback)
 * ESP exactly once, and a worker killed with SIGKILL loses nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { createOutbox, type Outbox } from '../src/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { dropSchema, POSTGRES_URL, uniqueSchema } from './support/postgres-store.js';
import { startWorkers, stopWorkers, waitFor } from './support/worker-fleet.js';

async function countSent(outbox: Outbox): Promise<number> {
  const row = await outbox.db.selectFrom('outbox_email').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'sent').executeTakeFirstOrThrow();
  return Number(row.n);
}

function recordingEsp(delayMs = 0): Promise<FakeEsp & { seen: Map<string, number> }> {
  const seen = new Map<string, number>();
  return startFakeEsp({
    'POST /send': async (call) => {
      const { subject } = call.json() as { subject: string };
      seen.set(subject, (seen.get(subject) ?? 0) + 1);
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { status: 200, body: { id: `esp-${subject}` } };
    },
  }).then((esp) => Object.assign(esp, { seen }));
}

describe('PostgreSQL with worker processes', () => {
  const schemas: string[] = [];
  const outboxes: Outbox[] = [];

  async function freshQueue(): Promise<{ outbox: Outbox; schema: string }> {
    const schema = uniqueSchema('outbox_workers');
    schemas.push(schema);
    const outbox = await createOutbox({ database: POSTGRES_URL, schema, backends: { default: new ScriptedBackend() } });
    outboxes.push(outbox);
    await outbox.migrate();
    return { outbox, schema };
  }

  afterAll(async () => {
    for (const outbox of outboxes) await outbox.close();
    for (const schema of schemas) await dropSchema(schema);
  });

  it('4 worker processes send 2 000 mails exactly once; after one is SIGKILLed mid-drain, the rest finish and only its in-flight mail is resent, logged', async () => {
    const { outbox, schema } = await freshQueue();
    const esp = await recordingEsp();
    const workers = await startWorkers(4, {
      OUTBOX_DATABASE_URL: POSTGRES_URL, OUTBOX_SCHEMA: schema, OUTBOX_ESP_URL: esp.url,
      OUTBOX_POLL_MS: '300', OUTBOX_BATCH_SIZE: '40', OUTBOX_CONCURRENCY: '8', OUTBOX_LEASE_MS: '2000',
    });
    const enqueue = async (prefix: string, count: number) => {
      for (let start = 0; start < count; start += 500) {
        const size = Math.min(500, count - start);
        await outbox.sendMany(Array.from({ length: size }, (_, i) => ({ recipients: `${prefix}${start + i}@example.com`, subject: `${prefix}${start + i}` })));
      }
    };
    try {
      // Phase 1: every worker alive. Each message reaches the ESP exactly once.
      await enqueue('m', 2000);
      await waitFor(async () => (await countSent(outbox)) === 2000, 60_000, '2 000 sent');
      expect(esp.calls).toHaveLength(2000);
      expect(esp.seen.size).toBe(2000);
      expect([...esp.seen.values()].every((n) => n === 1)).toBe(true);

      // Phase 2: kill -9 one worker mid-drain; its lease expires and the others finish.
      await enqueue('k', 600);
      await waitFor(async () => esp.calls.length >= 2150, 30_000, 'the second drain to start');
      workers[0]!.child.kill('SIGKILL');
      await waitFor(async () => (await countSent(outbox)) === 2600, 60_000, 'all 2 600 sent after the crash');
    } finally {
      await stopWorkers(workers);
      await esp.close();
    }
    expect(await workers[0]!.exited).toBe(null);
    expect(esp.seen.size).toBe(2600);
    const resent = await outbox.db
      .selectFrom('outbox_log as l')
      .innerJoin('outbox_email as e', 'e.id', 'l.email_id')
      .select('e.subject')
      .where('l.exception_type', '=', 'LeaseExpired')
      .execute();
    const resentSubjects = new Set(resent.map((r) => r.subject));
    const duplicates = [...esp.seen].filter(([, n]) => n > 1).map(([subject]) => subject);
    for (const subject of duplicates) {
      expect(subject.startsWith('k')).toBe(true);
      expect(resentSubjects.has(subject)).toBe(true);
    }
    // At most the killed worker's claimed batches (three of 40 overlap) are resent.
    expect(resentSubjects.size).toBeLessThanOrEqual(120);
    const survivors = await Promise.all(workers.slice(1).map((w) => w.report));
    expect(survivors.every((report) => report !== undefined)).toBe(true);
  }, 120_000);

  it('work() wakes on NOTIFY at once, not at its poll interval', async () => {
    const { outbox, schema } = await freshQueue();
    const backend = new ScriptedBackend();
    const worker = await createOutbox({ database: POSTGRES_URL, schema, backends: { default: backend }, pollIntervalMs: 60_000 });
    outboxes.push(worker);
    const controller = new AbortController();
    const running = worker.work({ signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queuedAt = Date.now();
    await outbox.send({ recipients: 'wake@example.com', subject: 'wake' });
    await waitFor(async () => backend.sent.length === 1, 5_000, 'the notified worker to send');
    expect(Date.now() - queuedAt).toBeLessThan(5_000);
    controller.abort();
    expect(await running).toEqual({ sent: 1, failed: 0, requeued: 0 });
  });
});
