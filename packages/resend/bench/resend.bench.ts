// Resend bench: ResendBackend against a raw undici loop, same loopback fake Resend, same run.
// Run: pnpm --filter @anymail/core build && node --expose-gc --import tsx packages/resend/bench/resend.bench.ts
// (BENCH_MESSAGES, BENCH_ROUNDS shorten it.) Don't read the numbers on a loaded machine (uptime).
import { forkBenchServer, runEspBench } from '../../core/bench/harness.js';
import { ResendBackend } from '../src/index.js';

const body = JSON.stringify({ from: 'from@example.com', to: ['to@example.com'], subject: 'Bench', text: 'Hello from the benchmark' });
await runEspBench({
  esp: 'Resend',
  server: () => forkBenchServer(new URL('./resend-fake-server.mjs', import.meta.url)),
  raw: {
    path: '/emails',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer re_bench' },
    body: () => body,
  },
  createBackend: (apiUrl) => new ResendBackend({ apiKey: 're_bench', apiUrl, connections: 32 }),
  bulk: { total: 10_000, minSpeed: 3 },
  targets: { minSpeed: 0.6, maxCpu: 1.5 },
});
