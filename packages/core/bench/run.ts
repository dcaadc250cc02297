// pnpm bench: the core send loop against a raw undici loop, same loopback server, same run.
import { Pool } from 'undici';
import { EmailMessage } from '@anymail/core';
import { JsonEspBackend } from '../test/support/json-esp-backend.js';
import { best, report, startBenchServer, timed } from './harness.js';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 5000);
const IN_FLIGHT = 16;
const server = await startBenchServer('{"id":"bench-id"}');

// The baseline is what a hand-written client does per message: serialize the same JSON
// body, POST it over a keep-alive pool, parse the JSON answer.
const pool = new Pool(new URL(server.url).origin, { connections: 32 });
const rawRun = () =>
  timed('raw undici Pool.request', TOTAL, IN_FLIGHT, async (i) => {
    const response = await pool.request({
      path: '/send',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ from: 'from@example.com', to: [`to${i}@example.com`], subject: 'Bench', text: 'Hello from the benchmark' }),
    });
    JSON.parse(await response.body.text());
  });

const backend = new JsonEspBackend({ apiUrl: server.url, connections: 32 });
const anymailRun = () =>
  timed('BaseEspBackend (EmailMessage.send)', TOTAL, IN_FLIGHT, async (i) => {
    const message = new EmailMessage({
      from: 'from@example.com',
      to: [`to${i}@example.com`],
      subject: 'Bench',
      body: 'Hello from the benchmark',
      connection: backend,
    });
    await message.send();
  });

// Warm up both paths (JIT, connections), then measure alternately and keep the best of each.
await rawRun();
await timed('warm-up anymail', 500, IN_FLIGHT, (i) => new EmailMessage({ from: 'a@example.com', to: [`r${i}@example.com`], body: 'x', connection: backend }).send());
const raws = [];
const ours = [];
for (let round = 0; round < 3; round++) {
  raws.push(await rawRun());
  ours.push(await anymailRun());
}
console.log(`\n${TOTAL} messages, ${IN_FLIGHT} in flight, best of 3 rounds (server in a child process; CPU is this process's)`);
const ok = report(best(raws), [best(ours)], { minSpeed: 0.8, maxCpu: 1.4 });
await backend.close();
await pool.close();
await server.stop();
process.exitCode = ok ? 0 : 1;
