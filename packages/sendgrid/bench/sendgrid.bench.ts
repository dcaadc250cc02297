/**
 * SendGridBackend vs a raw undici Pool.request loop posting the same Mail Send JSON to the same
 * loopback fake (a child process answering like SendGrid: empty body), 16 in flight, same run.
 * Run: cd /work/main && pnpm --filter @anymail/core build && npx tsx packages/sendgrid/bench/sendgrid.bench.ts
 * Not a test: numbers depend on the machine; the ratios are what the issue asks for
 * (≥ 0.75× raw msgs/s, ≤ 1.5× raw CPU per message).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { EmailMessage } from '@anymail/core';
import { Pool } from 'undici';
import { SendGridBackend } from '../src/index.js';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 5000);
const IN_FLIGHT = 16;

interface RunResult {
  name: string;
  msgsPerSec: number;
  cpuMsPerMsg: number;
}

/** Run `task` `total` times with `inFlight` concurrent loops; wall time and this process's CPU. */
async function timed(name: string, total: number, inFlight: number, task: () => Promise<unknown>): Promise<RunResult> {
  let next = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < total) await task();
    }),
  );
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { name, msgsPerSec: (total / elapsedMs) * 1000, cpuMsPerMsg: (cpu.user + cpu.system) / 1000 / total };
}

const child = fork(fileURLToPath(new URL('./fake-sendgrid-server.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
const origin = `http://127.0.0.1:${port}`;
const apiUrl = `${origin}/v3/`;

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

const backend = new SendGridBackend({ apiKey: 'SG.bench', apiUrl, connections: 32 });
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
const best = (rows: RunResult[]) => rows.reduce((a, b) => (b.msgsPerSec > a.msgsPerSec ? b : a));
console.log(`\n${TOTAL} messages, ${IN_FLIGHT} in flight, best of 3 rounds (server in a child process; CPU is this process's)`);
const raw = best(raws);
const anymail = best(ours);
const line = (r: RunResult) => `${r.name.padEnd(36)} ${r.msgsPerSec.toFixed(0).padStart(7)} msgs/s ${r.cpuMsPerMsg.toFixed(3).padStart(7)} CPU ms/msg`;
const speed = anymail.msgsPerSec / raw.msgsPerSec;
const cpu = anymail.cpuMsPerMsg / raw.cpuMsPerMsg;
const ok = speed >= 0.75 && cpu <= 1.5;
console.log(line(raw));
console.log(`${line(anymail)}  ${speed.toFixed(2)}× speed  ${cpu.toFixed(2)}× CPU  ${ok ? 'meets' : 'MISSES'} target (≥0.75× speed, ≤1.5× CPU)`);
await backend.close();
await pool.close();
await new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.send('stop');
});
process.exitCode = ok ? 0 : 1;
