// Mailgun bench: MailgunBackend against a raw undici loop, same loopback fake Mailgun, same run.
// Run from the repo root (tsx resolves @anymail/* to sources through tsconfig paths):
//   npx tsx packages/mailgun/bench/mailgun.bench.ts      (BENCH_MESSAGES, BENCH_ROUNDS shorten it)
import { runEspBench, startBenchServer } from '../../core/bench/harness.js';
import { MailgunBackend } from '../src/index.js';

// The baseline sends the same urlencoded form a hand-written client would.
const form = new URLSearchParams([
  ['from', 'from@mg.example.com'],
  ['to', 'to@example.com'],
  ['subject', 'Bench'],
  ['text', 'Hello from the benchmark'],
]);
await runEspBench({
  esp: 'Mailgun',
  // The harness's fake server answers every POST with Mailgun's success body.
  server: () => startBenchServer('{"id":"<20260101000000.1.bench@mg.example.com>","message":"Queued. Thank you."}'),
  raw: {
    path: '/v3/mg.example.com/messages',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('api:bench-key').toString('base64')}` },
    body: (i) => {
      form.set('to', `to${i}@example.com`);
      return form.toString();
    },
  },
  createBackend: (url) => new MailgunBackend({ apiKey: 'bench-key', apiUrl: `${url}v3`, connections: 32 }),
  from: 'from@mg.example.com',
  targets: { minSpeed: 0.6, maxCpu: 2 },
});
