// Mailgun bench: MailgunBackend against a raw undici loop, same loopback fake Mailgun, same run.
// Run from the repo root (tsx resolves @anymail/* to sources through tsconfig paths):
//   npx tsx packages/mailgun/bench/mailgun.bench.ts
import { Pool } from 'undici';
import { EmailMessage } from '@anymail/core';
import { best, report, startBenchServer, timed, type RunResult } from '../../core/bench/harness.js';
import { MailgunBackend } from '../src/index.js';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 5000);
const IN_FLIGHT = 16;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// The harness's fake server answers every POST with Mailgun's success body.
const server = await startBenchServer('{"id":"<20260101000000.1.bench@mg.example.com>","message":"Queued. Thank you."}');
const authorization = `Basic ${Buffer.from('api:bench-key').toString('base64')}`;

// The baseline sends the same urlencoded form a hand-written client would.
const rawForm = new URLSearchParams([
  ['from', 'from@mg.example.com'],
  ['to', 'to@example.com'],
  ['subject', 'Bench'],
  ['text', 'Hello from the benchmark'],
]);
const pool = new Pool(new URL(server.url).origin, { connections: 32 });
const rawRun = () =>
  timed('raw undici Pool.request', TOTAL, IN_FLIGHT, async (i) => {
    rawForm.set('to', `to${i}@example.com`);
    const response = await pool.request({
      path: '/v3/mg.example.com/messages',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: rawForm.toString(),
    });
    JSON.parse(await response.body.text());
  });

const backend = new MailgunBackend({ apiKey: 'bench-key', apiUrl: `${server.url}v3`, connections: 32 });
const message = (i: number) =>
  new EmailMessage({ from: 'from@mg.example.com', to: [`to${i}@example.com`], subject: 'Bench', body: 'Hello from the benchmark', connection: backend });
const backendRun = () => timed('MailgunBackend message.send()', TOTAL, IN_FLIGHT, (i) => message(i).send());

await timed('warm-up raw', 500, IN_FLIGHT, async () => (await pool.request({ path: '/v3/mg.example.com/messages', method: 'POST', body: rawForm.toString() })).body.text());
await timed('warm-up backend', 500, IN_FLIGHT, (i) => message(i).send());

const raws: RunResult[] = [];
const ours: RunResult[] = [];
for (let round = 0; round < ROUNDS; round++) {
  raws.push(await rawRun());
  ours.push(await backendRun());
}
console.log(`\n${TOTAL} messages, ${IN_FLIGHT} in flight, best of ${ROUNDS} rounds (fake Mailgun in a child process; CPU is this process's)`);
const ok = report(best(raws), [best(ours)], { minSpeed: 0.6, maxCpu: 2 });
await backend.close();
await pool.close();
await server.stop();
process.exitCode = ok ? 0 : 1;
