// SES bench: SesBackend (Content.Simple JSON + SigV4 per message) against a raw undici loop posting a
// pre-built SendEmail body, same loopback fake server (child process), same run, 16 in flight.
// Run: pnpm --filter @anymail/core build && node --import tsx packages/ses/bench/ses.bench.ts
// (BENCH_MESSAGES, BENCH_ROUNDS shorten it.)
import { EmailMessage } from '@anymail/core';
import { runEspBench, startBenchServer } from '../../core/bench/harness.js';
import { SesBackend, signRequest } from '../src/index.js';

const path = '/v2/email/outbound-emails';
const mimeSample = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Bench', body: 'Hello from the benchmark' });
const rawBody = JSON.stringify({
  FromEmailAddress: 'from@example.com',
  Destination: { ToAddresses: ['to@example.com'] },
  Content: { Raw: { Data: Buffer.from(await mimeSample.message()).toString('base64') } },
});
const rawBytes = Buffer.from(rawBody);
const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret', sessionToken: 'bench-session-token' };

await runEspBench({
  esp: 'SES',
  server: () => startBenchServer('{"MessageId":"0100018c-0000-4000-8000-000000000000-000000"}'),
  raw: {
    name: 'raw undici Pool.request (pre-built)',
    path,
    headers: { 'content-type': 'application/json', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=00' },
    body: () => rawBody,
  },
  // For reference: the same loop signing each request (what SigV4 alone costs).
  extraRows: (pool, url) => {
    const signingUrl = new URL(path, url);
    return [
      {
        name: 'raw undici + signRequest (reference)',
        task: async () => {
          const headers = { 'content-type': 'application/json' };
          const signed = signRequest({ method: 'POST', url: signingUrl, headers, body: rawBytes, region: 'us-east-1', service: 'ses', credentials, contentSha256Header: false });
          const response = await pool.request({ path, method: 'POST', headers: { ...headers, ...(signed as Record<string, string>) }, body: rawBytes });
          JSON.parse(await response.body.text());
        },
      },
    ];
  },
  createBackend: (endpoint) => new SesBackend({ endpoint, region: 'us-east-1', ...credentials, connections: 32, env: {} }),
  messages: 4000,
  targets: { minSpeed: 0.5, maxCpu: 2.5 },
});
