/**
 * A worker's life around its database: unreachable at start, and a send that never ends
 * (an ESP trickling its answer) not pinning its mail.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BaseEmailBackend, type EmailMessage } from '@anymail/core';
import { createOutbox, OutboxDatabaseError, type Outbox } from '../src/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { testStores } from './support/postgres-store.js';
import { waitFor } from './support/worker-fleet.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A send that does not finish until released: an ESP that trickles its answer. */
class StuckBackend extends BaseEmailBackend {
  readonly espName = 'Stuck';
  started = 0;
  #release: Array<() => void> = [];
  override async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    this.started += messages.length;
    await new Promise<void>((resolve) => this.#release.push(resolve));
    return messages.length;
  }
  releaseAll(): void {
    for (const release of this.#release.splice(0)) release();
  }
}

const stores = testStores('resilience', cleanups);

describe.each(stores)('worker resilience: %s', (_name, makeStore) => {
  it('a send past sendTimeoutMs stops renewing its lease, so the mail can be claimed again', async () => {
    const store = makeStore();
    const stuck = new StuckBackend();
    const outbox: Outbox = await createOutbox({ ...store, backends: { default: stuck }, leaseMs: 300, sendTimeoutMs: 200 });
    cleanups.push(() => outbox.close());
    await outbox.migrate();
    await outbox.sendMany(Array.from({ length: 10 }, (_, i) => ({ recipients: `t${i}@example.com` })));
    const draining = outbox.sendQueued({ concurrency: 10 });
    await waitFor(async () => stuck.started === 10, 5_000, 'ten sends started');
    const claimable = async () => {
      const rows = await outbox.db.selectFrom('outbox_email').select('locked_until').execute();
      return rows.filter((row) => Number(row.locked_until) < Date.now()).length;
    };
    await waitFor(async () => (await claimable()) === 10, 5_000, 'every stuck row claimable again');
    stuck.releaseAll();
    expect(await draining).toEqual({ sent: 10, failed: 0, requeued: 0 });
  });
});

describe('worker with its database unreachable at start (PostgreSQL)', () => {
  it('keeps trying with backoff, telling onError, instead of rejecting', async () => {
    const outbox = await createOutbox({ database: 'postgres://postgres@127.0.0.1:1/none', backends: { default: new ScriptedBackend() }, pollIntervalMs: 50 });
    cleanups.push(() => outbox.close());
    const errors: unknown[] = [];
    const controller = new AbortController();
    const running = outbox.work({ signal: controller.signal, onError: (error) => void errors.push(error) });
    await waitFor(async () => errors.length >= 3, 10_000, 'three reported errors');
    controller.abort();
    expect(await running).toEqual({ sent: 0, failed: 0, requeued: 0 });
    expect(errors[0]).toBeInstanceOf(OutboxDatabaseError);
    expect(String(errors[0])).toMatch(/ECONNREFUSED/);
  });
});
