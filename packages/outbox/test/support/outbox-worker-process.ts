/**
 * A worker process for the concurrency and crash tests: `outbox.work()` on PostgreSQL or a
 * SQLite file, sending through a loopback fake ESP, until SIGTERM. Configured by environment.
 */
import { createOutbox } from '../../src/index.js';
import { LoopbackEspBackend } from './loopback-esp-backend.js';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`pg-worker-process needs ${name}`);
  return value;
};

const outbox = await createOutbox({
  database: env('OUTBOX_DATABASE_URL'),
  ...(process.env['OUTBOX_SCHEMA'] ? { schema: process.env['OUTBOX_SCHEMA'] } : {}),
  backends: { default: new LoopbackEspBackend({ apiUrl: env('OUTBOX_ESP_URL') }) },
  workerId: env('OUTBOX_WORKER_ID'),
  leaseMs: Number(process.env['OUTBOX_LEASE_MS'] ?? 60_000),
  batchSize: Number(process.env['OUTBOX_BATCH_SIZE'] ?? 50),
  concurrency: Number(process.env['OUTBOX_CONCURRENCY'] ?? 8),
  pollIntervalMs: Number(process.env['OUTBOX_POLL_MS'] ?? 200),
  poolSize: 3,
  logLevel: 1,
});
const controller = new AbortController();
process.on('SIGTERM', () => controller.abort());
process.send?.({ ready: true });
const errors: string[] = [];
const report = await outbox.work({
  signal: controller.signal,
  ...(process.env['OUTBOX_ON_ERROR'] ? { onError: (error: unknown) => void errors.push(String(error)) } : {}),
});
await outbox.close();
process.send?.({ report, errors });
process.exit(0);
