/**
 * Draining through an ESP's batch endpoint: Postmark's /email/batch gets one request per
 * chunk, and each message keeps its own result (its id, a refused recipient, a retry).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeEsp } from '@anymail/core/test';
import { PostmarkBackend } from '@anymail/postmark';
import { postmarkFakeRoutes } from '@anymail/postmark/test';
import { createOutbox } from '../src/index.js';
import { testStores } from './support/postgres-store.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const stores = testStores('batch', cleanups);

describe.each(stores)('drain through a batch endpoint: %s', (_name, makeStore) => {
  it('sends 120 mails to Postmark in three /email/batch requests, with each message’s own id; a refused recipient fails only its mail', async () => {
    const esp = await startFakeEsp(postmarkFakeRoutes({ inactive: ['gone@example.com'] }));
    cleanups.push(() => esp.close());
    const outbox = await createOutbox({ ...makeStore(), backends: { default: new PostmarkBackend({ serverToken: 'token', apiUrl: esp.url }) } });
    cleanups.push(() => outbox.close());
    await outbox.migrate();
    const emails = await outbox.sendMany(
      Array.from({ length: 120 }, (_, i) => ({ sender: 'shop@example.com', recipients: i === 7 ? 'gone@example.com' : `m${i}@example.com`, subject: `m${i}`, message: 'hi' })),
    );
    expect(await outbox.sendQueued({ batchSize: 100 })).toEqual({ sent: 119, failed: 1, requeued: 0 });
    expect(esp.calls.map((call) => call.path)).toEqual(['/email/batch', '/email/batch', '/email/batch']);
    const stored = await Promise.all(emails.map((email) => outbox.get(email.id)));
    const ids = stored.filter((email) => email!.status === 'sent').map((email) => email!.espMessageId);
    expect(new Set(ids).size).toBe(119);
    expect(stored[7]).toMatchObject({ status: 'failed' });
    expect((await outbox.logs(emails[7]!.id))[0]!.exceptionType).toBe('AnymailRecipientsRefused');
  });

  it('a batch request the ESP answers with a server error is retried per message', async () => {
    const esp = await startFakeEsp({ 'POST /email/batch': () => ({ status: 503, body: { ErrorCode: 0, Message: 'busy' } }), ...{ 'POST /email': () => ({ status: 503, body: { ErrorCode: 0, Message: 'busy' } }) } });
    cleanups.push(() => esp.close());
    const outbox = await createOutbox({ ...makeStore(), backends: { default: new PostmarkBackend({ serverToken: 'token', apiUrl: esp.url }) }, maxRetries: 2 });
    cleanups.push(() => outbox.close());
    await outbox.migrate();
    await outbox.sendMany(Array.from({ length: 3 }, (_, i) => ({ sender: 'shop@example.com', recipients: `r${i}@example.com`, subject: `r${i}` })));
    expect(await outbox.sendQueued()).toEqual({ sent: 0, failed: 0, requeued: 3 });
    expect(esp.calls.map((call) => call.path)).toEqual(['/email/batch', '/email', '/email', '/email']);
  });
});

// issue #17: the ESP pool opened 32 connections whatever the drain's concurrency.
describe('the ESP pool follows the drain', () => {
  it('a drain at concurrency 48 gets more than 32 sockets to the ESP', async () => {
    let n = 0;
    const esp = await startFakeEsp({
      'POST /email': () => new Promise((resolve) => setTimeout(() => resolve({
        body: { To: 'x@example.com', SubmittedAt: '2026-12-04T00:00:00Z', MessageID: `id-${n++}`, ErrorCode: 0, Message: 'OK' },
      }), 1000)), // long enough that every send is in flight at once, even on a loaded machine
    });
    cleanups.push(() => esp.close());
    const dir = mkdtempSync(join(tmpdir(), 'outbox-pool-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const outbox = await createOutbox({
      database: `sqlite:${join(dir, 'mail.db')}`,
      concurrency: 48,
      espBatchSize: 1,
      backends: { default: new PostmarkBackend({ serverToken: 'token', apiUrl: esp.url }) },
    });
    cleanups.push(() => outbox.close());
    await outbox.migrate();
    await outbox.sendMany(Array.from({ length: 48 }, (_, i) => ({ sender: 'shop@example.com', recipients: `p${i}@example.com`, subject: 's', message: 'hi' })));
    expect(await outbox.sendQueued({ batchSize: 48 })).toEqual({ sent: 48, failed: 0, requeued: 0 });
    expect(esp.connectionCount).toBeGreaterThan(32);
  });
});
