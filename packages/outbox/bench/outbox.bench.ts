/**
 * Outbox throughput on SQLite (a script, not a test):
 *   npx tsx packages/outbox/bench/outbox.bench.ts [--emails 20000] [--drain 20000] [--rss 100000]
 * Rows: single `send`/s, `sendMany`/s (SQLite synchronous=FULL, the default, and NORMAL),
 * drain/s through a loopback fake ESP at concurrency 64 against the raw undici rate on the
 * same server, drain/s through the fake Postmark per email (espBatchSize 1, the old way) and
 * through its batch endpoint at concurrency 8 and 64, and RSS across a long drain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { sql } from 'kysely';
import { startFakeEsp } from '@anymail/core/test';
import { createOutbox, type OutboxSettings } from '@anymail/outbox';
import { PostmarkBackend } from '@anymail/postmark';
import { postmarkFakeRoutes } from '@anymail/postmark/test';
import { ScriptedBackend } from '../src/test/index.js';
import { LoopbackEspBackend } from '../test/support/loopback-esp-backend.js';

const { values } = parseArgs({
  options: {
    emails: { type: 'string', default: '20000' },
    drain: { type: 'string', default: '20000' },
    rss: { type: 'string', default: '0' },
    /** Also measure send/sendMany on PostgreSQL, e.g. --postgres postgres://postgres@127.0.0.1/test */
    postgres: { type: 'string' },
  },
});
const EMAILS = Number(values.emails);
const DRAIN = Number(values.drain);
const RSS = Number(values.rss);
const dir = mkdtempSync(join(tmpdir(), 'outbox-bench-'));
const rows: Array<[string, string]> = [];
const rate = (count: number, ms: number) => Math.round((count * 1000) / ms);
const mail = (i: number) => ({ recipients: `user${i}@example.com`, sender: 'shop@example.com', subject: `Order ${i}`, message: 'Thanks for your order.' });

async function sqliteOutbox(name: string, backend = new ScriptedBackend() as never, extra: Partial<OutboxSettings> = {}) {
  const outbox = await createOutbox({ database: `sqlite:${join(dir, `${name}.db`)}`, backends: { default: backend }, logLevel: 1, ...extra });
  await outbox.migrate();
  return outbox;
}

for (const synchronous of ['full', 'normal'] as const) {
  const outbox = await sqliteOutbox(`send-${synchronous}`, undefined, { sqliteSynchronous: synchronous });
  const started = performance.now();
  for (let i = 0; i < EMAILS; i++) await outbox.send(mail(i));
  rows.push([`send (one insert each), synchronous=${synchronous.toUpperCase()}`, `${rate(EMAILS, performance.now() - started)}/s`]);
  // A web app's requests: 64 callers at once, each awaiting its send() (group commit).
  let next = 0;
  const concurrentStart = performance.now();
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < EMAILS) await outbox.send(mail(next++));
  }));
  rows.push([`send, 64 concurrent callers, synchronous=${synchronous.toUpperCase()}`, `${rate(EMAILS, performance.now() - concurrentStart)}/s`]);
  await outbox.close();
}
{
  const outbox = await sqliteOutbox('send-many');
  const started = performance.now();
  for (let i = 0; i < EMAILS * 5; i += 1000) await outbox.sendMany(Array.from({ length: 1000 }, (_, j) => mail(i + j)));
  rows.push(['sendMany (1 000 per call)', `${rate(EMAILS * 5, performance.now() - started)}/s`]);
  await outbox.close();
}

if (values.postgres) {
  const schema = `outbox_bench_${process.pid}`;
  const outbox = await createOutbox({ database: values.postgres, schema, backends: { default: new ScriptedBackend() }, logLevel: 1 });
  await outbox.migrate();
  let started = performance.now();
  for (let i = 0; i < EMAILS / 4; i++) await outbox.send(mail(i));
  rows.push(['PostgreSQL send (one statement each)', `${rate(EMAILS / 4, performance.now() - started)}/s`]);
  started = performance.now();
  for (let i = 0; i < EMAILS * 2; i += 1000) await outbox.sendMany(Array.from({ length: 1000 }, (_, j) => mail(i + j)));
  rows.push(['PostgreSQL sendMany (1 000 per call)', `${rate(EMAILS * 2, performance.now() - started)}/s`]);
  await sql`drop schema ${sql.id(schema)} cascade`.execute(outbox.db);
  await outbox.close();
}

const esp = await startFakeEsp({ 'POST /send': { body: { id: 'bench' } } });
{
  const pool = new Pool(esp.url, { connections: 64 });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < DRAIN) {
        const response = await pool.request({ method: 'POST', path: '/send', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mail(next)) });
        await response.body.text();
      }
    }),
  );
  const raw = rate(DRAIN, performance.now() - started);
  rows.push(['raw undici POST, 64 connections', `${raw}/s`]);
  await pool.close();

  const backend = new LoopbackEspBackend({ apiUrl: esp.url, connections: 64 });
  const outbox = await sqliteOutbox('drain', backend as never);
  for (let i = 0; i < DRAIN; i += 1000) await outbox.sendMany(Array.from({ length: Math.min(1000, DRAIN - i) }, (_, j) => mail(i + j)));
  const connectionsBefore = esp.connectionCount;
  const drainStart = performance.now();
  const report = await outbox.sendQueued({ batchSize: 500, concurrency: 64 });
  const drained = rate(report.sent, performance.now() - drainStart);
  rows.push(['sendQueued drain, concurrency 64', `${drained}/s (${(drained / raw).toFixed(2)}× raw; ${esp.connectionCount - connectionsBefore} new connections for ${report.sent} mails)`]);
  await outbox.close();
}
{
  // The fake Postmark: per email (/email) as the outbox drained before, and through /email/batch.
  const postmark = await startFakeEsp(postmarkFakeRoutes());
  const stores: Array<[string, () => Pick<OutboxSettings, 'database' | 'schema'>]> = [['SQLite', () => ({ database: `sqlite:${join(dir, `pm-${Math.random()}.db`)}` })]];
  if (values.postgres) stores.push(['PostgreSQL', () => ({ database: values.postgres!, schema: `outbox_bench_pm_${process.pid}_${Math.floor(Math.random() * 1e6)}` })]);
  for (const [storeName, store] of stores) {
    for (const concurrency of [8, 64]) {
      const measured: Record<string, number> = {};
      for (const espBatchSize of [1, 50]) {
        const best: number[] = [];
        for (let round = 0; round < 2; round++) {
          const settings = store();
          const backend = new PostmarkBackend({ serverToken: 'bench', apiUrl: postmark.url, connections: concurrency });
          const outbox = await createOutbox({ ...settings, backends: { default: backend }, logLevel: 1, espBatchSize, concurrency });
          await outbox.migrate();
          for (let i = 0; i < DRAIN / 2; i += 1000) await outbox.sendMany(Array.from({ length: Math.min(1000, DRAIN / 2 - i) }, (_, j) => mail(i + j)));
          postmark.calls.splice(0);
          const started = performance.now();
          const report = await outbox.sendQueued({ batchSize: 500 });
          best.push(rate(report.sent, performance.now() - started));
          if (settings.schema) await sql`drop schema ${sql.id(settings.schema)} cascade`.execute(outbox.db);
          await outbox.close();
        }
        measured[espBatchSize] = Math.max(...best);
      }
      rows.push([
        `${storeName} drain via fake Postmark, concurrency ${concurrency}`,
        `per email ${measured[1]}/s; /email/batch (50 per request) ${measured[50]}/s (${(measured[50]! / measured[1]!).toFixed(1)}×)`,
      ]);
    }
  }
  await postmark.close();
}
if (RSS > 0) {
  const backend = new LoopbackEspBackend({ apiUrl: esp.url, connections: 64 });
  const outbox = await sqliteOutbox('rss', backend as never);
  const samples: number[] = [];
  for (let done = 0; done < RSS; done += 10_000) {
    for (let i = 0; i < 10_000; i += 1000) await outbox.sendMany(Array.from({ length: 1000 }, (_, j) => mail(done + i + j)));
    await outbox.sendQueued({ batchSize: 500, concurrency: 64 });
    esp.calls.splice(0); // the fake ESP records every request; only the outbox's memory is measured
    samples.push(Math.round(process.memoryUsage().rss / 1048576));
  }
  rows.push([`RSS every 10 000 of ${RSS} drained (MiB)`, samples.join(' ')]);
  await outbox.close();
}
await esp.close();
rmSync(dir, { recursive: true, force: true });

const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
