// CPU per message of PostmarkBackend, for comparing two trees (same script in each).
// MODE=single|batch|setup|both, N messages (default 3000). Prints CPU ms/msg (process.cpuUsage).
// Run: node --import tsx packages/postmark/bench/postmark-cpu.ts, or bundle it with esbuild for callgrind.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EmailMessage } from '@anymail/core';
import { PostmarkBackend } from '../src/index.js';

const MODE = process.env.MODE ?? 'both';
const N = Number(process.env.N ?? 3000);
const WARM = Number(process.env.WARM ?? 0);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 16);

const child = fork(fileURLToPath(new URL('./postmark-fake-server.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
const backend = new PostmarkBackend({ serverToken: 'bench', apiUrl: `http://127.0.0.1:${port}/`, connections: 32 });
const message = (i: number) =>
  new EmailMessage({ from: 'from@example.com', to: [`to${i}@example.com`], subject: 'Bench', body: 'Hello from the benchmark', connection: backend });

async function singles(total: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => { while (next < total) await message(next++).send(); }));
}
async function batch(total: number): Promise<void> {
  const sent = await backend.sendMessages(Array.from({ length: total }, (_, i) => message(i)));
  if (sent !== total) throw new Error(`sent ${sent}`);
}
function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

// One connection up, so "setup" includes opening the pool.
await message(0).send();
if (WARM > 0) {
  await singles(WARM);
  await batch(WARM);
}
const out: string[] = [];
if (MODE === 'single' || MODE === 'both') {
  const start = process.cpuUsage();
  await singles(N);
  out.push(`single ${(cpuMs(start) / N).toFixed(5)}`);
}
if (MODE === 'batch' || MODE === 'both') {
  const start = process.cpuUsage();
  await batch(N);
  out.push(`batch ${(cpuMs(start) / N).toFixed(5)}`);
}
console.log(out.join(' '));
await backend.close();
await new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.send('stop');
});
