/**
 * SendGridBackend vs a raw undici Pool.request loop posting the same Mail Send JSON to the same
 * loopback fake (a child process answering like SendGrid: 202, empty body), 16 in flight, same run.
 * Run from the repository root: pnpm --filter @anymail/core build && npx tsx packages/sendgrid/bench/sendgrid.bench.ts
 * Not a test: numbers depend on the machine; the ratios are what the issue asks for
 * (≥ 0.75× raw msgs/s, ≤ 1.5× raw CPU per message).
 */
import { randomUUID } from 'node:crypto';
import { EmailMessage } from '@anymail/core';
import { Pool } from 'undici';
import { best, report, startBenchServer, timed, type RunResult } from '../../core/bench/harness.js';
import { SendGridBackend } from '../src/index.js';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 5000);
const IN_FLIGHT = 16;

const server = await startBenchServer('', { status: 202, headers: { 'x-message-id': 'bench-message-id' } });
const origin = new URL(server.url).origin;

// What SendGridBackend sends for the message below (a fresh anymail_id per message, as ours).
const rawBody = (id: string) =>
  JSON.stringify({
    personalizations: [{ to: [{ email: 'to@example.com' }], custom_args: { anymail_id: id } }],
    from: { email: 'from@example.com' },
    subject: 'Bench',
    content: [{ type: 'text/plain', value: 'Hello from the benchmark' }],
  });
const pool = new Pool(origin, { connections: 32 });
const rawHeaders = { 'content-type': 'application/json', authorization: 'Bearer SG.bench' };
const rawSend = async () => {
  const response = await pool.request({ path: '/v3/mail/send', method: 'POST', headers: rawHeaders, body: rawBody(randomUUID()) });
  await response.body.text();
  if (response.statusCode >= 300) throw new Error(`HTTP ${response.statusCode}`);
};

const backend = new SendGridBackend({ apiKey: 'SG.bench', apiUrl: `${origin}/v3/`, connections: 32 });
const anymailSend = () =>
  new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Bench', body: 'Hello from the benchmark', connection: backend }).send();

await timed('warm-up raw', 1000, IN_FLIGHT, rawSend);
await timed('warm-up SendGridBackend', 1000, IN_FLIGHT, anymailSend);
const raws: RunResult[] = [];
const ours: RunResult[] = [];
for (let round = 0; round < 3; round++) {
  raws.push(await timed('raw undici Pool.request', TOTAL, IN_FLIGHT, rawSend));
  ours.push(await timed('SendGridBackend (EmailMessage.send)', TOTAL, IN_FLIGHT, anymailSend));
}
console.log(`\n${TOTAL} messages, ${IN_FLIGHT} in flight, best of 3 rounds (server in a child process; CPU is this process's)`);
const ok = report(best(raws), [best(ours)], { minSpeed: 0.75, maxCpu: 1.5 });
await backend.close();
await pool.close();
await server.stop();
process.exitCode = ok ? 0 : 1;
