/**
 * The long-running worker: drain, then sleep until a PostgreSQL NOTIFY (sent on enqueue),
 * the poll interval (scheduled mail, retries, expired leases) or the abort signal.
 */
import type pg from 'pg';
import type { SendReport } from './outbox-delivery.js';
import { notifyChannel } from './outbox-enqueue.js';
import type { Outbox } from './outbox.js';

export interface WorkOptions {
  /** Stops the worker after the batch in flight. */
  signal?: AbortSignal;
  batchSize?: number;
  concurrency?: number;
  /** Overrides the `pollIntervalMs` setting. */
  pollIntervalMs?: number;
  /** Called after each drain that sent something, with the worker's running totals. */
  onProgress?: (report: SendReport) => void;
  /**
   * Called when a drain fails (database unreachable, say); the worker then waits one poll
   * interval and goes on. Without it, the error ends `work()`.
   */
  onError?: (error: unknown) => void;
}

async function listen(pool: pg.Pool, channel: string, onNotify: () => void): Promise<() => Promise<void>> {
  const client = await pool.connect();
  client.on('notification', onNotify);
  // A lost LISTEN connection must not crash the worker: it keeps polling.
  client.on('error', () => undefined);
  await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
  return async () => {
    client.off('notification', onNotify);
    try {
      await client.query(`UNLISTEN "${channel.replace(/"/g, '""')}"`);
    } finally {
      client.release();
    }
  };
}

export async function runWorker(outbox: Outbox, pool: pg.Pool | undefined, options: WorkOptions): Promise<SendReport> {
  const { signal } = options;
  const pollIntervalMs = options.pollIntervalMs ?? outbox.settings.pollIntervalMs;
  const totals: SendReport = { sent: 0, failed: 0, requeued: 0 };
  let pending = false;
  let wake: (() => void) | undefined;
  const onNotify = () => {
    pending = true;
    wake?.();
  };
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  const stopListening =
    pool && outbox.dialect === 'postgres' && outbox.settings.notify
      ? await listen(pool, notifyChannel(outbox.settings.schema), onNotify)
      : undefined;
  try {
    while (!signal?.aborted) {
      pending = false;
      try {
        const report = await outbox.sendQueued({ batchSize: options.batchSize, concurrency: options.concurrency });
        totals.sent += report.sent;
        totals.failed += report.failed;
        totals.requeued += report.requeued;
        if (report.sent + report.failed + report.requeued > 0) options.onProgress?.({ ...totals });
      } catch (error) {
        if (!options.onError) throw error;
        options.onError(error);
        pending = false;
      }
      if (pending || signal?.aborted) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await stopListening?.();
  }
  return totals;
}
