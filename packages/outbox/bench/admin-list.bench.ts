/**
 * The admin's pages over 100 000 mails in SQLite (a script, not a test):
 *   npx tsx packages/outbox/bench/admin-list.bench.ts [--mails 100000] [--runs 7]
 * Each page is served through the admin's own fetch handler (auth, query, HTML) and timed
 * best-of and median over runs; the first row is the bare keyset query for scale.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createOutbox } from '@anymail/outbox';
import { createOutboxAdmin } from '../src/admin/index.js';
import { ScriptedBackend } from '../src/test/index.js';

const { values } = parseArgs({ options: { mails: { type: 'string', default: '100000' }, runs: { type: 'string', default: '7' } } });
const MAILS = Number(values.mails);
const RUNS = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), 'outbox-admin-bench-'));
const outbox = await createOutbox({ database: `sqlite:${join(dir, 'mail.db')}`, backends: { default: new ScriptedBackend(), bulk: new ScriptedBackend(), alerts: new ScriptedBackend() } });
await outbox.migrate();

const STATUSES = ['sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'failed', 'queued'] as const;
const started = Date.now();
const now = Date.now();
for (let start = 0; start < MAILS; start += 1000) {
  const chunk = Array.from({ length: Math.min(1000, MAILS - start) }, (_, k) => {
    const i = start + k;
    const created = now - (MAILS - i) * 25_000; // ~29 days of mail
    return {
      from_email: 'shop@example.com',
      to: JSON.stringify([`user${i}@example.com`]),
      cc: '[]',
      bcc: '[]',
      subject: i % 97 === 0 ? `Invoice ${i}` : `Order ${i} shipped`,
      message: 'Thanks for your order.',
      html_message: '<p>Thanks for your order.</p>',
      headers: null,
      priority: i % 4,
      status: STATUSES[i % STATUSES.length]!,
      number_of_retries: 0,
      attempts: 1,
      backend_alias: ['default', 'bulk', 'alerts'][i % 3]!,
      language: '',
      render_on_delivery: 0,
      message_id: `<${i}.bench@example.com>`,
      created,
      last_updated: created,
    };
  });
  await outbox.db.insertInto('outbox_email').values(chunk).execute();
}
console.log(`Inserted ${MAILS} mails in ${((Date.now() - started) / 1000).toFixed(1)} s.`);

const admin = createOutboxAdmin({ outbox, auth: { tokens: [{ name: 'bench', token: 'bench-token-0123456789' }] }, log: () => undefined });
async function timeIt(task: () => Promise<unknown>): Promise<{ best: number; median: number }> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    await task();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { best: times[0]!, median: times[Math.floor(times.length / 2)]! };
}
async function pageTime(path: string) {
  return timeIt(async () => {
    const response = await admin.fetch(new Request(`http://127.0.0.1${path}`, { headers: { authorization: 'Bearer bench-token-0123456789' } }));
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    await response.text();
  });
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const rows: Array<[string, { best: number; median: number }]> = [
  ['bare keyset query (50 rows)', await timeIt(() => outbox.db.selectFrom('outbox_email').select(['id', 'subject']).orderBy('id', 'desc').limit(51).execute())],
  ['first page /mail', await pageTime('/mail')],
  ['page 1000 (keyset, before=50000)', await pageTime('/mail?before=50000')],
  ['status=failed&esp=bulk', await pageTime('/mail?status=failed&esp=bulk')],
  ['priority=high&status=queued', await pageTime('/mail?priority=high&status=queued')],
  ['date range (one day)', await pageTime(`/mail?since=${day(now - 10 * 86_400_000)}&until=${day(now - 10 * 86_400_000)}`)],
  ['recipient=user4242@', await pageTime('/mail?recipient=user4242%40')],
  ['search subject "Invoice 97"', await pageTime('/mail?q=Invoice%2097')],
  ['search Message-ID', await pageTime('/mail?q=%3C4242.bench%40example.com%3E')],
  ['dashboard /', await pageTime('/')],
];
console.log(`\n${'page'.padEnd(36)} ${'best ms'.padStart(9)} ${'median ms'.padStart(10)}`);
for (const [name, t] of rows) console.log(`${name.padEnd(36)} ${t.best.toFixed(1).padStart(9)} ${t.median.toFixed(1).padStart(10)}`);
await outbox.close();
rmSync(dir, { recursive: true, force: true });
