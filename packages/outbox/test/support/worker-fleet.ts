/** Start worker processes (outbox-worker-process.ts through tsx) and stop or kill them. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SendReport } from '../../src/index.js';

const script = fileURLToPath(new URL('./outbox-worker-process.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface FleetWorker {
  id: string;
  child: ChildProcess;
  report: Promise<SendReport | undefined>;
  exited: Promise<number | null>;
  /** What the worker's onError was told (with OUTBOX_ON_ERROR set), once it has stopped. */
  errors: string[];
}

export async function startWorkers(count: number, env: Record<string, string>): Promise<FleetWorker[]> {
  const workers = Array.from({ length: count }, (_, i) => {
    const id = `worker-${i}`;
    // cwd is the repo root so tsx resolves @anymail/* through tsconfig paths to the sources.
    const child = fork(script, [], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env, OUTBOX_WORKER_ID: id },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let ready!: () => void;
    const readyPromise = new Promise<void>((resolve) => (ready = resolve));
    const errors: string[] = [];
    const report = new Promise<SendReport | undefined>((resolve) => {
      child.on('message', (message: { ready?: boolean; report?: SendReport; errors?: string[] }) => {
        if (message.ready) ready();
        if (message.errors) errors.push(...message.errors);
        if (message.report) resolve(message.report);
      });
      child.on('exit', () => resolve(undefined));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { id, child, report, exited, errors, readyPromise };
  });
  await Promise.all(workers.map((w) => Promise.race([w.readyPromise, w.exited])));
  return workers;
}

export async function stopWorkers(workers: FleetWorker[]): Promise<void> {
  for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
