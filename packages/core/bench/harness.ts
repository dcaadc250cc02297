// Shared benchmark harness: a fake ESP in a child process, and a timed run at N in flight.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface FakeServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The fake answers every request with `reply` (JSON text), `status` and extra `headers`. */
export async function startBenchServer(
  reply?: string,
  options: { status?: number; headers?: Record<string, string>; delayMs?: number } = {},
): Promise<FakeServer> {
  const child = fork(fileURLToPath(new URL('./fake-esp-server.mjs', import.meta.url)), [], {
    env: {
      ...process.env,
      ...(reply !== undefined ? { BENCH_REPLY: reply } : {}),
      ...(options.status !== undefined ? { BENCH_STATUS: String(options.status) } : {}),
      ...(options.headers ? { BENCH_HEADERS: JSON.stringify(options.headers) } : {}),
      ...(options.delayMs !== undefined ? { BENCH_DELAY_MS: String(options.delayMs) } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  return {
    url: `http://127.0.0.1:${port}/`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

export interface RunResult {
  name: string;
  messages: number;
  msgsPerSec: number;
  cpuMsPerMsg: number;
  rssMb: number;
}

/** Run `task(i)` `total` times with `inFlight` concurrent loops; measure wall time and this process's CPU. */
export async function timed(name: string, total: number, inFlight: number, task: (i: number) => Promise<unknown>): Promise<RunResult> {
  let next = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await task(next++);
    }),
  );
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return {
    name,
    messages: total,
    msgsPerSec: (total / elapsedMs) * 1000,
    cpuMsPerMsg: (cpu.user + cpu.system) / 1000 / total,
    rssMb: process.memoryUsage().rss / 1024 / 1024,
  };
}

/** The run with the most messages per second (benches keep the best of several rounds). */
export function best(rows: readonly RunResult[]): RunResult {
  return rows.reduce((a, b) => (b.msgsPerSec > a.msgsPerSec ? b : a));
}

export function report(baseline: RunResult, rows: RunResult[], targets: { minSpeed: number; maxCpu: number }): boolean {
  const line = (r: RunResult) =>
    `${r.name.padEnd(34)} ${r.msgsPerSec.toFixed(0).padStart(8)} msgs/s  ${r.cpuMsPerMsg.toFixed(3).padStart(7)} CPU ms/msg  ` +
    `${(r.msgsPerSec / baseline.msgsPerSec).toFixed(2)}× speed  ${(r.cpuMsPerMsg / baseline.cpuMsPerMsg).toFixed(2)}× CPU`;
  console.log(line(baseline));
  let ok = true;
  for (const row of rows) {
    const speed = row.msgsPerSec / baseline.msgsPerSec;
    const cpu = row.cpuMsPerMsg / baseline.cpuMsPerMsg;
    const pass = speed >= targets.minSpeed && cpu <= targets.maxCpu;
    ok &&= pass;
    console.log(`${line(row)}  ${pass ? 'meets' : 'MISSES'} target (≥${targets.minSpeed}× speed, ≤${targets.maxCpu}× CPU)`);
  }
  return ok;
}
