/**
 * The long-running worker: drain, then sleep until a PostgreSQL NOTIFY (sent on enqueue),
 * the poll interval (scheduled mail, retries, expired leases) or the abort signal.
 */
import type pg from 'pg';
import type { SendReport } from './outbox-delivery.js';
import { notifyChannel } from './outbox-enqueue.js';
import { OutboxDatabaseError, withDatabase } from './outbox-errors.js';
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
   * Called when a drain fails (database unreachable, a dropped connection, say); the worker
   * then waits (100 ms doubling up to max(pollIntervalMs, 5 s)) and goes on, reconnecting
   * its LISTEN connection when that was lost. Without it, database failures that waiting can
   * fix (`OutboxDatabaseError` with `retryable`) are still waited out, and any other error
   * ends `work()`.
   */
  onError?: (error: unknown) => void;
}

interface Listener {
  /** True once the LISTEN connection errored or ended: notifications are no longer heard. */
  lost: boolean;
  stop(): Promise<void>;
}

const quoted = (channel: string) => `"${channel.replace(/"/g, '""')}"`;

async function listen(pool: pg.Pool, channel: string, onNotify: () => void): Promise<Listener> {
  const client = await pool.connect();
  const listener: Listener = {
    lost: false,
    async stop() {
      client.off('notification', onNotify);
      if (listener.lost) {
        client.release(true); // a broken connection: destroy it, don't return it to the pool
        return;
      }
      try {
        await client.query(`UNLISTEN ${quoted(channel)}`);
        client.release();
      } catch (error) {
        client.release(error instanceof Error ? error : true);
      }
    },
  };
  const lose = () => {
    if (listener.lost) return;
    listener.lost = true;
    onNotify(); // wake the loop: it drains (notifications may have been missed) and listens again
  };
  client.on('notification', onNotify);
  client.on('error', lose);
  client.on('end', lose);
  try {
    await client.query(`LISTEN ${quoted(channel)}`);
  } catch (error) {
    listener.lost = true;
    await listener.stop();
    throw error;
  }
  return listener;
}

/** Wait after the n-th failure in a row: 100 ms doubling, at most max(pollIntervalMs, 5 s), with jitter. */
export function backoffMs(failures: number, pollIntervalMs: number): number {
  const ceiling = Math.max(pollIntervalMs, 5_000);
  const base = Math.min(ceiling, 100 * 2 ** Math.min(failures - 1, 16));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** A database failure the worker waits out (a dropped connection, a locked file) rather than ending on. */
function isTransient(error: unknown): boolean {
  return error instanceof OutboxDatabaseError && error.retryable;
}

export async function runWorker(outbox: Outbox, pool: pg.Pool | undefined, options: WorkOptions): Promise<SendReport> {
  const { signal } = options;
  const pollIntervalMs = options.pollIntervalMs ?? outbox.settings.pollIntervalMs;
  const totals: SendReport = { sent: 0, failed: 0, requeued: 0 };
  const wantsListen = pool !== undefined && outbox.dialect === 'postgres' && outbox.settings.notify;
  let listener: Listener | undefined;
  let failures = 0;
  let pending = false;
  let wake: (() => void) | undefined;
  const onNotify = () => {
    pending = true;
    wake?.();
  };
  const onAbort = () => wake?.();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (wake = undefined));
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted) {
      pending = false;
      try {
        // (Re)listen inside the guard: a database down at start, or a dropped LISTEN
        // connection, is waited out like any other failed drain.
        if (wantsListen && (listener === undefined || listener.lost)) {
          const old = listener;
          listener = undefined;
          await old?.stop().catch(() => undefined);
          listener = await withDatabase('listening for new mail', () => listen(pool!, notifyChannel(outbox.settings.schema), onNotify));
        }
        const report = await outbox.sendQueued({ batchSize: options.batchSize, concurrency: options.concurrency });
        failures = 0;
        totals.sent += report.sent;
        totals.failed += report.failed;
        totals.requeued += report.requeued;
        if (report.sent + report.failed + report.requeued > 0) options.onProgress?.({ ...totals });
      } catch (error) {
        if (!options.onError && !isTransient(error)) throw error;
        options.onError?.(error);
        failures++;
        outbox.settings.logger?.error(`Outbox worker: ${error instanceof Error ? error.message : String(error)}; trying again (failure ${failures} in a row).`);
        if (signal?.aborted) break;
        await sleep(backoffMs(failures, pollIntervalMs));
        continue;
      }
      if (pending || signal?.aborted) continue;
      await sleep(pollIntervalMs);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await listener?.stop().catch(() => undefined);
  }
  return totals;
}
