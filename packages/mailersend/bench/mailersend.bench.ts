// MailerSend bench: MailerSendBackend against a raw undici loop, same loopback fake MailerSend, same run.
// Run: pnpm --filter @anymail/core build && node --expose-gc --import tsx packages/mailersend/bench/mailersend.bench.ts
// (BENCH_MESSAGES, BENCH_ROUNDS shorten it.) Don't read the numbers on a loaded machine (uptime).
import { forkBenchServer, runEspBench } from '../../core/bench/harness.js';
import { MailerSendBackend } from '../src/index.js';

const body = JSON.stringify({ from: { email: 'from@example.com' }, to: [{ email: 'to@example.com' }], subject: 'Bench', text: 'Hello from the benchmark' });
await runEspBench({
  esp: 'MailerSend',
  server: () => forkBenchServer(new URL('./mailersend-fake-server.mjs', import.meta.url)),
  raw: {
    path: '/email',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer bench' },
    body: () => body,
    // 202 with an empty body: the id is the x-message-id header.
    read: (response) => {
      if (!response.headers['x-message-id']) throw new Error('no x-message-id');
    },
  },
  createBackend: (apiUrl) => new MailerSendBackend({ apiToken: 'bench', apiUrl, connections: 32 }),
  // One sendMessages call of 10 000 messages: MailerSend combines them into bulk-email requests of 500.
  bulk: { total: 10_000, minSpeed: 3 },
  targets: { minSpeed: 0.6 },
});
