// Postmark bench: PostmarkBackend against a raw undici loop, same loopback fake Postmark, same run.
// Run: pnpm --filter @anymail/core build && node --expose-gc --import tsx packages/postmark/bench/postmark.bench.ts
// (BENCH_MESSAGES, BENCH_ROUNDS shorten it.) Don't read the numbers on a loaded machine (uptime).
import { forkBenchServer, runEspBench } from '../../core/bench/harness.js';
import { PostmarkBackend } from '../src/index.js';

const body = JSON.stringify({ From: 'from@example.com', To: 'to@example.com', Subject: 'Bench', TextBody: 'Hello from the benchmark' });
await runEspBench({
  esp: 'Postmark',
  server: () => forkBenchServer(new URL('./postmark-fake-server.mjs', import.meta.url)),
  raw: {
    path: '/email',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-postmark-server-token': 'bench' },
    body: () => body,
  },
  createBackend: (apiUrl) => new PostmarkBackend({ serverToken: 'bench', apiUrl, connections: 32 }),
  // One sendMessages call of 10 000 messages: /email/batch requests of 500.
  bulk: { total: 10_000, minSpeed: 3 },
  targets: { minSpeed: 0.75, maxCpu: 1.5 },
});
