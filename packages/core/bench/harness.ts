// Shared benchmark harness: a fake ESP in a child process, a timed run at N in flight, and the
// per-ESP bench (runEspBench: backend against a raw undici loop).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { EmailMessage, type BaseEmailBackend } from '../src/index.js';

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
  return forkBenchServer(new URL('./fake-esp-server.mjs', import.meta.url), '/', {
    ...(reply !== undefined ? { BENCH_REPLY: reply } : {}),
    ...(options.status !== undefined ? { BENCH_STATUS: String(options.status) } : {}),
    ...(options.headers ? { BENCH_HEADERS: JSON.stringify(options.headers) } : {}),
    ...(options.delayMs !== undefined ? { BENCH_DELAY_MS: String(options.delayMs) } : {}),
  });
}

/** Fork a fake server script (it sends `{ port }` when listening and exits on 'stop'); `path` ends its url. */
export async function forkBenchServer(script: URL, path = '/', env: Record<string, string> = {}): Promise<FakeServer> {
  const child = fork(fileURLToPath(script), [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  return {
    url: `http://127.0.0.1:${port}${path}`,
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

export interface RawResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface EspBenchOptions {
  /** The ESP's name, for "fake <esp>"; rows are named after the backend's class. */
  esp: string;
  server: () => Promise<FakeServer>;
  /** The raw undici baseline: one POST per message to `path` on the server's origin. */
  raw: {
    /** Default: "raw undici Pool.request <path>". */
    name?: string;
    path: string;
    headers: Record<string, string>;
    body: (i: number) => string | Buffer;
    /** Reads the answer as a fair hand-written client would (default: JSON.parse). */
    read?: (response: RawResponse) => void;
  };
  /** Extra raw-style rows measured each round (e.g. SES's per-request signing), printed after the raw row. */
  extraRows?: (pool: Pool, serverUrl: string) => { name: string; task: (i: number) => Promise<unknown> }[];
  createBackend: (serverUrl: string) => BaseEmailBackend;
  /** `from` of the benchmark message (to is `to<i>@example.com`). */
  from?: string;
  /** One sendMessages call of `total` messages, measured each round (with the ≥ minSpeed× raw target). */
  bulk?: { total: number; minSpeed: number; note?: string };
  targets: { minSpeed: number; maxCpu?: number };
  messages?: number;
  rounds?: number;
  warmUp?: number;
}

/**
 * An ESP bench: the backend's `message.send()` (and `sendMessages` in bulk) against a raw undici loop,
 * same loopback fake ESP in a child process, 16 in flight, rounds alternating so a busy machine
 * affects both alike; prints the best of the rounds as ratios to the raw loop. Sets process.exitCode.
 */
export async function runEspBench(options: EspBenchOptions): Promise<void> {
  const total = Number(process.env['BENCH_MESSAGES'] ?? options.messages ?? 5000);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? options.rounds ?? 5);
  const inFlight = 16;
  const server = await options.server();
  const pool = new Pool(new URL(server.url).origin, { connections: 32 });
  const { raw } = options;
  const read = raw.read ?? ((response: RawResponse) => JSON.parse(response.body));
  const rawRequest = async (i: number) => {
    const response = await pool.request({ path: raw.path, method: 'POST', headers: raw.headers, body: raw.body(i) });
    read({ statusCode: response.statusCode, headers: response.headers, body: await response.body.text() });
  };
  const extras = options.extraRows?.(pool, server.url) ?? [];
  const backend = options.createBackend(server.url);
  const backendName = backend.constructor.name;
  const rawName = raw.name ?? `raw undici Pool.request ${raw.path}`;
  const from = options.from ?? 'from@example.com';
  const message = (i: number) =>
    new EmailMessage({ from, to: [`to${i}@example.com`], subject: 'Bench', body: 'Hello from the benchmark', connection: backend });
  const bulk = options.bulk;
  // One sendMessages call (messages built inside the timed run).
  const bulkRun = (count: number) =>
    timed(`${backendName} sendMessages(${count})`, 1, 1, async () => {
      const sent = await backend.sendMessages(Array.from({ length: count }, (_, i) => message(i)));
      if (sent !== count) throw new Error(`sent ${sent}`);
    }).then((row): RunResult => ({ ...row, messages: count, msgsPerSec: row.msgsPerSec * count, cpuMsPerMsg: row.cpuMsPerMsg / count }));
  const gc = (globalThis as { gc?: () => void }).gc;
  const heapMb = () => {
    gc?.();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };

  const warmUp = options.warmUp ?? 500;
  await timed('warm-up raw', warmUp, inFlight, rawRequest);
  await timed('warm-up backend', warmUp, inFlight, (i) => message(i).send());
  if (bulk) await bulkRun(bulk.total);

  const raws: RunResult[] = [];
  const extraResults: RunResult[][] = extras.map(() => []);
  const singles: RunResult[] = [];
  const bulks: RunResult[] = [];
  const heaps: number[] = [heapMb()];
  for (let round = 0; round < rounds; round++) {
    raws.push(await timed(rawName, total, inFlight, rawRequest));
    for (const [k, extra] of extras.entries()) extraResults[k]!.push(await timed(extra.name, total, inFlight, extra.task));
    singles.push(await timed(`${backendName} message.send()`, total, inFlight, (i) => message(i).send()));
    if (bulk) bulks.push(await bulkRun(bulk.total));
    heaps.push(heapMb());
    const [r, s] = [raws.at(-1)!, singles.at(-1)!];
    const b = bulks.at(-1);
    console.log(
      `round ${round + 1}: raw ${r.msgsPerSec.toFixed(0)}/s, send() ${(s.msgsPerSec / r.msgsPerSec).toFixed(2)}× speed ${(s.cpuMsPerMsg / r.cpuMsPerMsg).toFixed(2)}× CPU` +
        (b ? `, sendMessages ${(b.msgsPerSec / r.msgsPerSec).toFixed(2)}× speed` : ''),
    );
  }
  const rawBest = best(raws);
  const single = best(singles);
  const rows = [rawBest, ...extraResults.map(best), single, ...(bulk ? [best(bulks)] : [])];
  const width = Math.max(...rows.map((r) => r.name.length)) + 2;
  const row = (r: RunResult) =>
    `${r.name.padEnd(width)} ${r.msgsPerSec.toFixed(0).padStart(8)} msgs/s ${r.cpuMsPerMsg.toFixed(4).padStart(8)} CPU ms/msg  ` +
    `${(r.msgsPerSec / rawBest.msgsPerSec).toFixed(2)}× raw speed  ${(r.cpuMsPerMsg / rawBest.cpuMsPerMsg).toFixed(2)}× raw CPU`;
  console.log(`\nsingle sends: ${total} messages, ${inFlight} in flight${bulk ? `; bulk: one sendMessages of ${bulk.total}` : ''}; best of ${rounds} rounds`);
  console.log(`(fake ${options.esp} in a child process; CPU is this process's; node ${process.version})`);
  for (const r of rows) console.log(row(r));
  const { minSpeed, maxCpu } = options.targets;
  let ok = single.msgsPerSec >= minSpeed * rawBest.msgsPerSec && (maxCpu === undefined || single.cpuMsPerMsg <= maxCpu * rawBest.cpuMsPerMsg);
  console.log(`single send target (≥${minSpeed}× speed${maxCpu === undefined ? '' : `, ≤${maxCpu}× CPU`}): ${ok ? 'meets' : 'MISSES'}`);
  if (bulk) {
    const bulkOk = best(bulks).msgsPerSec >= bulk.minSpeed * rawBest.msgsPerSec;
    console.log(`sendMessages target (≥${bulk.minSpeed}× raw single-send msgs/s): ${bulkOk ? 'meets' : 'MISSES'}`);
    ok &&= bulkOk;
  }
  const growth = heaps[heaps.length - 1]! - heaps[1]!;
  const heapOk = !gc || rounds < 2 || growth < 16;
  console.log(`heap after each round (MB, after GC${gc ? '' : ' — run with --expose-gc to force it'}): ${heaps.map((h) => h.toFixed(1)).join(' → ')}  ${heapOk ? 'flat' : 'GROWING'}`);
  await backend.close();
  await pool.close();
  await server.stop();
  process.exitCode = ok && heapOk ? 0 : 1;
}
