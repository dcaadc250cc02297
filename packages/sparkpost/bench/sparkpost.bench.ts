// SparkPost bench: SparkPostBackend against a raw undici loop, same loopback fake SparkPost, same run.
// Run: pnpm --filter @anymail/core build && node --expose-gc --import tsx packages/sparkpost/bench/sparkpost.bench.ts
// (BENCH_MESSAGES, BENCH_ROUNDS shorten it.) Don't read the numbers on a loaded machine (uptime).
import { forkBenchServer, runEspBench } from '../../core/bench/harness.js';
import { SparkPostBackend } from '../src/index.js';

const body = JSON.stringify({
  content: { from: { email: 'from@example.com' }, subject: 'Bench', text: 'Hello from the benchmark' },
  recipients: [{ address: { email: 'to@example.com' } }],
});
await runEspBench({
  esp: 'SparkPost',
  server: () => forkBenchServer(new URL('./sparkpost-fake-server.mjs', import.meta.url), '/api/v1/'),
  raw: {
    path: '/api/v1/transmissions',
    headers: { 'content-type': 'application/json', authorization: 'bench' },
    body: () => body,
  },
  createBackend: (apiUrl) => new SparkPostBackend({ apiKey: 'bench', apiUrl, connections: 32 }),
  // One sendMessages call of 10 000 messages with the same content: multi-recipient transmissions of 1000.
  bulk: { total: 10_000, minSpeed: 3 },
  targets: { minSpeed: 0.6 },
});
