// Brevo bench: BrevoBackend against a raw undici loop, same loopback fake Brevo, same run.
// Run: pnpm --filter @anymail/core build && node --expose-gc --import tsx packages/brevo/bench/brevo.bench.ts
// (BENCH_MESSAGES, BENCH_ROUNDS shorten it.) Don't read the numbers on a loaded machine (uptime).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { EmailMessage } from '@anymail/core';
import { best, timed, type RunResult } from '../../core/bench/harness.js';
import { BrevoBackend } from '../src/index.js';

const SINGLE_TOTAL = Number(process.env.BENCH_MESSAGES ?? 5000);
const BULK_TOTAL = Number(process.env.BENCH_BULK ?? 10_000);
const IN_FLIGHT = 16;

const child = fork(fileURLToPath(new URL('./brevo-fake-server.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
const apiUrl = `http://127.0.0.1:${port}/v3/`;

const rawBody = JSON.stringify({
  sender: { email: 'from@example.com' },
  to: [{ email: 'to@example.com' }],
  subject: 'Bench',
  textContent: 'Hello from the benchmark',
});
const pool = new Pool(new URL(apiUrl).origin, { connections: 32 });
const rawRequest = () =>
  pool.request({
    path: '/v3/smtp/email',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'api-key': 'bench' },
    body: rawBody,
  });
const rawRun = () =>
  timed('raw undici Pool.request /smtp/email', SINGLE_TOTAL, IN_FLIGHT, async () => {
    JSON.parse(await (await rawRequest()).body.text());
  });

const backend = new BrevoBackend({ apiKey: 'bench', apiUrl, connections: 32 });
const message = (i: number) =>
  new EmailMessage({ from: 'from@example.com', to: [`to${i}@example.com`], subject: 'Bench', body: 'Hello from the benchmark', connection: backend });
const singleRun = () => timed('BrevoBackend message.send()', SINGLE_TOTAL, IN_FLIGHT, (i) => message(i).send());
// One sendMessages call (messages built inside the timed run): 100 messages per request, as messageVersions.
const bulkRun = () =>
  timed(`BrevoBackend sendMessages(${BULK_TOTAL})`, 1, 1, async () => {
    const sent = await backend.sendMessages(Array.from({ length: BULK_TOTAL }, (_, i) => message(i)));
    if (sent !== BULK_TOTAL) throw new Error(`sent ${sent}`);
  }).then((row): RunResult => ({ ...row, messages: BULK_TOTAL, msgsPerSec: row.msgsPerSec * BULK_TOTAL, cpuMsPerMsg: row.cpuMsPerMsg / BULK_TOTAL }));

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

await timed('warm-up raw', 500, IN_FLIGHT, async () => (await rawRequest()).body.text());
await timed('warm-up backend', 500, IN_FLIGHT, (i) => message(i).send());
await bulkRun();

const raws: RunResult[] = [];
const singles: RunResult[] = [];
const bulks: RunResult[] = [];
const heaps: number[] = [heapMb()];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
for (let round = 0; round < ROUNDS; round++) {
  raws.push(await rawRun());
  singles.push(await singleRun());
  bulks.push(await bulkRun());
  heaps.push(heapMb());
  const [r, s1, b] = [raws.at(-1)!, singles.at(-1)!, bulks.at(-1)!];
  console.log(`round ${round + 1}: raw ${r.msgsPerSec.toFixed(0)}/s, send() ${(s1.msgsPerSec / r.msgsPerSec).toFixed(2)}× speed ${(s1.cpuMsPerMsg / r.cpuMsPerMsg).toFixed(2)}× CPU, sendMessages ${(b.msgsPerSec / r.msgsPerSec).toFixed(2)}× speed`);
}
const raw = best(raws);
const single = best(singles);
const bulk = best(bulks);
const row = (r: RunResult) =>
  `${r.name.padEnd(38)} ${r.msgsPerSec.toFixed(0).padStart(8)} msgs/s ${r.cpuMsPerMsg.toFixed(4).padStart(8)} CPU ms/msg  ` +
  `${(r.msgsPerSec / raw.msgsPerSec).toFixed(2)}× raw speed  ${(r.cpuMsPerMsg / raw.cpuMsPerMsg).toFixed(2)}× raw CPU`;
console.log(`\nsingle sends: ${SINGLE_TOTAL} messages, ${IN_FLIGHT} in flight; bulk: one sendMessages of ${BULK_TOTAL}; best of ${ROUNDS} rounds`);
console.log(`(fake Brevo in a child process; CPU is this process's; node ${process.version})`);
console.log(row(raw));
console.log(row(single));
console.log(row(bulk));
const singleOk = single.msgsPerSec >= 0.6 * raw.msgsPerSec;
const bulkOk = bulk.msgsPerSec >= 3 * raw.msgsPerSec;
const growth = heaps[heaps.length - 1]! - heaps[1]!;
const heapOk = !gc || growth < 16;
console.log(`single send target (≥0.6× raw msgs/s): ${singleOk ? 'meets' : 'MISSES'}`);
console.log(`sendMessages target (≥3× raw single-send msgs/s): ${bulkOk ? 'meets' : 'MISSES'}`);
console.log(`heap after each round (MB, after GC${gc ? '' : ' — run with --expose-gc to force it'}): ${heaps.map((h) => h.toFixed(1)).join(' → ')}  ${heapOk ? 'flat' : 'GROWING'}`);
await backend.close();
await pool.close();
await new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.send('stop');
});
process.exitCode = singleOk && bulkOk && heapOk ? 0 : 1;
