/**
 * SendGridBackend vs a raw undici Pool.request loop posting the same Mail Send JSON to the same
 * loopback fake (a child process answering like SendGrid: 202, empty body), 16 in flight, same run.
 * Run from the repository root: pnpm --filter @anymail/core build && npx tsx packages/sendgrid/bench/sendgrid.bench.ts
 * (BENCH_MESSAGES, BENCH_ROUNDS shorten it.)
 * Not a test: numbers depend on the machine; the ratios are what the issue asks for
 * (≥ 0.75× raw msgs/s, ≤ 1.5× raw CPU per message).
 */
import { randomUUID } from 'node:crypto';
import { runEspBench, startBenchServer } from '../../core/bench/harness.js';
import { SendGridBackend } from '../src/index.js';

await runEspBench({
  esp: 'SendGrid',
  server: () => startBenchServer('', { status: 202, headers: { 'x-message-id': 'bench-message-id' } }),
  raw: {
    path: '/v3/mail/send',
    headers: { 'content-type': 'application/json', authorization: 'Bearer SG.bench' },
    // What SendGridBackend sends for the bench message (a fresh anymail_id per message, as ours).
    body: (i) =>
      JSON.stringify({
        personalizations: [{ to: [{ email: `to${i}@example.com` }], custom_args: { anymail_id: randomUUID() } }],
        from: { email: 'from@example.com' },
        subject: 'Bench',
        content: [{ type: 'text/plain', value: 'Hello from the benchmark' }],
      }),
    read: (response) => {
      if (response.statusCode >= 300) throw new Error(`HTTP ${response.statusCode}`);
    },
  },
  createBackend: (url) => new SendGridBackend({ apiKey: 'SG.bench', apiUrl: `${url}v3/`, connections: 32 }),
  targets: { minSpeed: 0.75, maxCpu: 1.5 },
  rounds: 3,
  warmUp: 1000,
});
