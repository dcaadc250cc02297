// Mailjet bench: MailjetBackend against a raw undici loop, same loopback fake Mailjet, same run.
// Run: pnpm --filter @anymail/core build && node --expose-gc --import tsx packages/mailjet/bench/mailjet.bench.ts
// (BENCH_MESSAGES, BENCH_ROUNDS shorten it.) Don't read the numbers on a loaded machine (uptime).
import { parseJsonLossless } from '@anymail/core';
import { forkBenchServer, runEspBench } from '../../core/bench/harness.js';
import { MailjetBackend } from '../src/index.js';

const body = JSON.stringify({ Messages: [{ From: { Email: 'from@example.com' }, To: [{ Email: 'to@example.com' }], Subject: 'Bench', TextPart: 'Hello from the benchmark' }] });
await runEspBench({
  esp: 'Mailjet',
  server: () => forkBenchServer(new URL('./mailjet-fake-server.mjs', import.meta.url)),
  raw: {
    path: '/send',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Basic ${Buffer.from('bench-key:bench-secret').toString('base64')}` },
    body: () => body,
    // A fair raw loop reads the ids exactly too (they exceed 2^53).
    read: (response) => parseJsonLossless(response.body),
  },
  createBackend: (apiUrl) => new MailjetBackend({ apiKey: 'bench-key', secretKey: 'bench-secret', apiUrl, connections: 32 }),
  bulk: { total: 10_000, minSpeed: 3 },
  // Issue #20's target for the new ESPs: at least 0.6× the raw loop's messages per second.
  targets: { minSpeed: 0.6 },
});
