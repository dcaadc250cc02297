// Brevo bench: BrevoBackend against a raw undici loop, same loopback fake Brevo, same run.
// Run: pnpm --filter @anymail/core build && node --expose-gc --import tsx packages/brevo/bench/brevo.bench.ts
// (BENCH_MESSAGES, BENCH_ROUNDS, BENCH_BULK shorten it.) Don't read the numbers on a loaded machine (uptime).
import { forkBenchServer, runEspBench } from '../../core/bench/harness.js';
import { BrevoBackend } from '../src/index.js';

const body = JSON.stringify({ sender: { email: 'from@example.com' }, to: [{ email: 'to@example.com' }], subject: 'Bench', textContent: 'Hello from the benchmark' });
await runEspBench({
  esp: 'Brevo',
  server: () => forkBenchServer(new URL('./brevo-fake-server.mjs', import.meta.url), '/v3/'),
  raw: {
    path: '/v3/smtp/email',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'api-key': 'bench' },
    body: () => body,
  },
  createBackend: (apiUrl) => new BrevoBackend({ apiKey: 'bench', apiUrl, connections: 32 }),
  // One sendMessages call: 100 messages per request, as messageVersions.
  bulk: { total: Number(process.env.BENCH_BULK ?? 10_000), minSpeed: 3 },
  targets: { minSpeed: 0.6 },
});
