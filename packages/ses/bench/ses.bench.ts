// SES bench: SesBackend (Content.Simple JSON + SigV4 per message) against a raw undici loop posting a
// pre-built SendEmail body, same loopback fake server (child process), same run, 16 in flight.
// Run: pnpm --filter @anymail/core build && node --import tsx packages/ses/bench/ses.bench.ts
import { Pool } from 'undici';
import { EmailMessage } from '@anymail/core';
import { best, startBenchServer, timed, type RunResult } from '../../core/bench/harness.js';
import { SesBackend, signRequest } from '../src/index.js';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 4000);
const IN_FLIGHT = 16;
const ROUNDS = 5;

const server = await startBenchServer('{"MessageId":"0100018c-0000-4000-8000-000000000000-000000"}');
const apiUrl = server.url;

const mimeSample = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Bench', body: 'Hello from the benchmark' });
const rawBody = JSON.stringify({
  FromEmailAddress: 'from@example.com',
  Destination: { ToAddresses: ['to@example.com'] },
  Content: { Raw: { Data: Buffer.from(await mimeSample.message()).toString('base64') } },
});
const pool = new Pool(new URL(apiUrl).origin, { connections: 32 });
const rawRequest = async () => {
  const response = await pool.request({
    path: '/v2/email/outbound-emails',
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=00' },
    body: rawBody,
  });
  JSON.parse(await response.body.text());
};
const rawRun = () => timed('raw undici Pool.request (pre-built)', TOTAL, IN_FLIGHT, rawRequest);
// For reference: the same loop signing each request (what SigV4 alone costs).
const rawBytes = Buffer.from(rawBody);
const signingUrl = new URL('/v2/email/outbound-emails', apiUrl);
const signedRun = () =>
  timed('raw undici + signRequest (reference)', TOTAL, IN_FLIGHT, async () => {
    const headers = { 'content-type': 'application/json' };
    const signed = signRequest({ method: 'POST', url: signingUrl, headers, body: rawBytes, region: 'us-east-1', service: 'ses', credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret', sessionToken: 'bench-session-token' }, contentSha256Header: false });
    const response = await pool.request({ path: '/v2/email/outbound-emails', method: 'POST', headers: { ...headers, ...(signed as Record<string, string>) }, body: rawBytes });
    JSON.parse(await response.body.text());
  });

const backend = new SesBackend({
  endpoint: apiUrl,
  region: 'us-east-1',
  accessKeyId: 'AKIDBENCH',
  secretAccessKey: 'bench-secret',
  sessionToken: 'bench-session-token',
  connections: 32,
  env: {},
});
const message = (i: number) =>
  new EmailMessage({ from: 'from@example.com', to: [`to${i}@example.com`], subject: 'Bench', body: 'Hello from the benchmark', connection: backend });
const backendRun = () => timed('SesBackend message.send()', TOTAL, IN_FLIGHT, (i) => message(i).send());

await timed('warm-up raw', 500, IN_FLIGHT, rawRequest);
await timed('warm-up backend', 500, IN_FLIGHT, (i) => message(i).send());

// Rounds alternate raw and backend runs so a busy shared machine affects both alike.
const raws: RunResult[] = [];
const backends: RunResult[] = [];
const signeds: RunResult[] = [];
for (let round = 0; round < ROUNDS; round++) {
  raws.push(await rawRun());
  signeds.push(await signedRun());
  backends.push(await backendRun());
}
const raw = best(raws);
const ses = best(backends);
const row = (r: RunResult) =>
  `${r.name.padEnd(38)} ${r.msgsPerSec.toFixed(0).padStart(7)} msgs/s ${r.cpuMsPerMsg.toFixed(4).padStart(8)} CPU ms/msg  ` +
  `${(r.msgsPerSec / raw.msgsPerSec).toFixed(2)}× raw speed  ${(r.cpuMsPerMsg / raw.cpuMsPerMsg).toFixed(2)}× raw CPU`;
console.log(`\n${TOTAL} messages per run, ${IN_FLIGHT} in flight, best of ${ROUNDS} rounds (fake SES in a child process; node ${process.version})`);
console.log(row(raw));
console.log(row(best(signeds)));
console.log(row(ses));
const ok = ses.msgsPerSec >= 0.5 * raw.msgsPerSec && ses.cpuMsPerMsg <= 2.5 * raw.cpuMsPerMsg;
console.log(`target (≥0.5× raw msgs/s, ≤2.5× raw CPU per message): ${ok ? 'meets' : 'MISSES'}`);
await backend.close();
await pool.close();
await server.stop();
process.exitCode = ok ? 0 : 1;
