/**
 * PostgreSQL connections dropped under the outbox (a database restart, a failover, a proxy's
 * idle timeout), simulated with pg_terminate_backend on this test's connections only (they
 * carry their own application_name; the shared server is never restarted).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { createOutbox, type Outbox } from '../src/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { dropSchema, POSTGRES_URL, uniqueSchema } from './support/postgres-store.js';
import { startWorkers, stopWorkers, waitFor } from './support/worker-fleet.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function tagged(): { url: string; tag: string } {
  const tag = `outbox_drop_${randomBytes(4).toString('hex')}`;
  return { url: `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}application_name=${tag}`, tag };
}

/** Terminate every server connection with this application_name; resolves to how many. */
async function terminate(admin: pg.Client, tag: string): Promise<number> {
  const result = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()', [tag]);
  return result.rowCount ?? 0;
}

async function countSent(outbox: Outbox): Promise<number> {
  const row = await outbox.db.selectFrom('outbox_email').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'sent').executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('PostgreSQL connections dropped under the outbox', () => {
  const schemas: string[] = [];
  const outboxes: Outbox[] = [];
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  const adminReady = admin.connect();

  async function freshQueue(): Promise<{ outbox: Outbox; schema: string }> {
    const schema = uniqueSchema('outbox_drops');
    schemas.push(schema);
    const outbox = await createOutbox({ database: POSTGRES_URL, schema, backends: { default: new ScriptedBackend() } });
    outboxes.push(outbox);
    await outbox.migrate();
    return { outbox, schema };
  }

  afterAll(async () => {
    for (const outbox of outboxes) await outbox.close();
    for (const schema of schemas) await dropSchema(schema);
    await admin.end();
  });

  it('an idle pooled connection terminated on the server does not crash the process', async () => {
    await adminReady;
    const { schema } = await freshQueue();
    const { url, tag } = tagged();
    const child = fork(fileURLToPath(new URL('./support/idle-pool-process.ts', import.meta.url)), [], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, OUTBOX_DATABASE_URL: url, OUTBOX_SCHEMA: schema },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const answered = new Promise<string>((resolve) => child.on('message', (m: { answered?: string }) => m.answered && resolve(m.answered)));
    await new Promise<void>((resolve) => child.on('message', (m: { ready?: boolean }) => m.ready && resolve()));
    expect(await terminate(admin, tag)).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (child.connected) child.send({ query: true });
    expect(await Promise.race([answered, exited.then((code) => `exited ${code}`)])).toBe('none');
    expect(await exited).toBe(0);
  }, 30_000);

  it('a worker draining 3 000 mails rides out repeated terminations of its connections: it lives, loses nothing, and any resend is logged', async () => {
    await adminReady;
    const { outbox, schema } = await freshQueue();
    const seen = new Map<string, number>();
    const esp: FakeEsp = await startFakeEsp({
      'POST /send': async (call) => {
        const { subject } = call.json() as { subject: string };
        seen.set(subject, (seen.get(subject) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 2));
        return { status: 200, body: { id: `esp-${subject}` } };
      },
    });
    const total = 3000;
    for (let start = 0; start < total; start += 500) {
      await outbox.sendMany(Array.from({ length: 500 }, (_, i) => ({ recipients: `d${start + i}@example.com`, subject: `d${start + i}` })));
    }
    const { url, tag } = tagged();
    const [worker] = await startWorkers(1, {
      OUTBOX_DATABASE_URL: url, OUTBOX_SCHEMA: schema, OUTBOX_ESP_URL: esp.url, OUTBOX_ON_ERROR: '1',
      OUTBOX_POLL_MS: '200', OUTBOX_BATCH_SIZE: '50', OUTBOX_CONCURRENCY: '8', OUTBOX_LEASE_MS: '3000',
    });
    let terminations = 0;
    let stop = false;
    const killer = (async () => {
      while (!stop) {
        terminations += await terminate(admin, tag);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await waitFor(async () => (await countSent(outbox)) === total || worker!.child.exitCode !== null, 90_000, 'every mail sent');
      stop = true;
      await killer;
      expect(worker!.child.exitCode).toBe(null);
    } finally {
      stop = true;
      await stopWorkers([worker!]);
      await esp.close();
    }
    // Dropped connections were absorbed by the writes' retries or told to onError; either way the drain went on.
    expect(terminations).toBeGreaterThan(3);
    expect(await worker!.report).toBeDefined();
    expect(seen.size).toBe(total);
    const resent = await outbox.db
      .selectFrom('outbox_log as l')
      .innerJoin('outbox_email as e', 'e.id', 'l.email_id')
      .select('e.subject')
      .where('l.exception_type', '=', 'LeaseExpired')
      .execute();
    const logged = new Set(resent.map((r) => r.subject));
    const duplicates = [...seen].filter(([, n]) => n > 1).map(([subject]) => subject);
    expect(duplicates.filter((subject) => !logged.has(subject))).toEqual([]);
  }, 120_000);
});
