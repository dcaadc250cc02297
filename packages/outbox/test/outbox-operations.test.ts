/** Requeue/resend (API and CLI), `expired` mail, cleanup of attachments only when asked, config load errors. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnymailAPIError } from '@anymail/core';
import { runCli, type CliIo } from '../src/cli/anymail-outbox.js';
import { createOutbox, type Outbox, type OutboxSettings } from '../src/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { testStores } from './support/postgres-store.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function io(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { out: (l) => void lines.push(l), err: (t) => void errors.push(t), isTty: false, env: {}, lines, errors };
}

const stores = testStores('ops', cleanups);

describe.each(stores)('outbox operations: %s', (_name, makeStore) => {
  async function open(): Promise<{ outbox: Outbox; backend: ScriptedBackend; store: Pick<OutboxSettings, 'database' | 'schema'> }> {
    const store = makeStore();
    const backend = new ScriptedBackend();
    const outbox = await createOutbox({ ...store, backends: { default: backend } });
    cleanups.push(() => outbox.close());
    await outbox.migrate();
    return { outbox, backend, store };
  }

  it('requeue() queues failed mail again, filtered by status, date and recipient; the CLI does the same', async () => {
    const { outbox, backend, store } = await open();
    backend.failFor('ann@example.com', new AnymailAPIError('refused', { category: 'invalid-request' }));
    backend.failFor('Bob <bob@example.com>', new AnymailAPIError('refused', { category: 'invalid-request' }));
    const [ann, bob, carl] = await outbox.sendMany([{ recipients: 'ann@example.com' }, { recipients: 'Bob <bob@example.com>' }, { recipients: 'carl@example.com' }]);
    expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 2, requeued: 0 });
    backend.failures.clear();
    expect(await outbox.requeue({ recipient: 'BOB@example.com' })).toBe(1);
    expect(await outbox.requeue({ since: new Date(Date.now() + 60_000) })).toBe(0);
    expect((await outbox.get(bob!.id))!.status).toBe('queued');
    expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    // A requeued email's next claim is a first attempt, not a resend after an expired lease.
    expect((await outbox.logs(bob!.id)).map((l) => l.exceptionType)).toEqual(['AnymailAPIError', 'Requeue', '']);
    const cli = io();
    const schemaArgs = store.schema ? ['--schema', store.schema] : [];
    expect(await runCli(['requeue', '--database', String(store.database), ...schemaArgs, '--status', 'failed'], cli)).toBe(0);
    expect(cli.lines).toEqual(['Requeued 1 emails.']);
    expect((await outbox.get(ann!.id))!.status).toBe('queued');
    expect(await outbox.requeue({ status: 'sent', ids: [carl!.id] })).toBe(1);
    expect(await outbox.sendQueued()).toEqual({ sent: 2, failed: 0, requeued: 0 });
  });

  it('cancel() fails unsent mail only (never sent), with its log note; a filter naming sent mail changes nothing', async () => {
    const { outbox, backend } = await open();
    const [keep, drop, other] = await outbox.sendMany([{ recipients: 'keep@example.com' }, { recipients: 'drop@example.com' }, { recipients: 'other@cancel.example' }]);
    expect(await outbox.cancel({ ids: [drop!.id] }, { type: 'AdminCancel', message: 'Cancelled by ops.' })).toBe(1);
    expect(await outbox.cancel({ recipient: 'CANCEL.example' })).toBe(1);
    expect((await outbox.get(drop!.id))!.status).toBe('failed');
    expect((await outbox.logs(drop!.id)).map((l) => [l.status, l.exceptionType, l.message])).toEqual([['failed', 'AdminCancel', 'Cancelled by ops.']]);
    expect((await outbox.logs(other!.id)).at(-1)!.message).toBe('Cancelled by outbox.cancel().');
    expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    expect(backend.sent.map((m) => m.to[0])).toEqual(['keep@example.com']);
    // Sent mail cannot be cancelled, even when the filter names its status.
    expect(await outbox.cancel({ ids: [keep!.id], status: ['sent', 'queued'] })).toBe(0);
    expect((await outbox.get(keep!.id))!.status).toBe('sent');
  });

  it('resend() queues a copy with its attachments and a new Message-ID, even over a caller-set one', async () => {
    const { outbox, backend } = await open();
    const original = await outbox.send({
      recipients: 'copy@example.com',
      subject: 'twice',
      headers: { 'Message-ID': '<caller@example.com>', 'X-Keep': 'yes' },
      attachments: [{ name: 'a.txt', content: 'hello', mimetype: 'text/plain' }],
    });
    expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    const copyId = await outbox.resend(original.id);
    expect(copyId).toBeGreaterThan(original.id);
    expect(await outbox.resend(999_999)).toBeUndefined();
    const copy = (await outbox.get(copyId!))!;
    expect(copy).toMatchObject({ status: 'queued', subject: 'twice', to: ['copy@example.com'] });
    expect(copy.messageId).not.toBe('<caller@example.com>');
    expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    const [first, second] = backend.sent;
    expect(first!.headers['Message-ID']).toBe('<caller@example.com>');
    expect(second!.headers['Message-ID']).toBe(copy.messageId);
    expect(second!.headers['X-Keep']).toBe('yes');
    expect(second!.attachments.map((a) => [a.filename, String(a.content)])).toEqual([['a.txt', 'hello']]);
    expect((await outbox.logs(copyId!)).map((l) => [l.status, l.exceptionType, l.message])[0]).toEqual(['queued', 'Resend', `Copy of mail #${original.id}, queued by outbox.resend().`]);
    expect((await outbox.logs(original.id)).at(-1)!.message).toBe(`Resent as mail #${copyId} by outbox.resend().`);
  });

  it('mail past expiresAt becomes expired, is never sent, and cleanup removes it with the rest', async () => {
    const { outbox, backend } = await open();
    const stale = await outbox.send({ recipients: 'late@example.com', expiresAt: Date.now() - 1 });
    await outbox.send({ recipients: 'fresh@example.com' });
    expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    expect((await outbox.get(stale.id))!.status).toBe('expired');
    expect(backend.sent.map((m) => m.to[0])).toEqual(['fresh@example.com']);
    expect((await outbox.cleanup({ days: 0 })).emails).toBe(2);
  });

  it('cleanup keeps attachments unless deleteAttachments is asked for (as post_office)', async () => {
    const { outbox } = await open();
    await outbox.send({ recipients: 'a@example.com', attachments: { 'a.txt': { content: 'x' } } });
    expect(await outbox.cleanup({ days: 0 })).toEqual({ emails: 1, attachments: 0 });
    expect(await outbox.cleanup({ days: 0, deleteAttachments: true })).toEqual({ emails: 0, attachments: 1 });
  });
});

describe('logLevel per call and the logger option', () => {
  it('sendQueued({ logLevel }) and send({ priority: now }, { logLevel }) override the setting; the logger hears failures and totals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-log-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const heard: string[] = [];
    const logger = { info: (m: string) => void heard.push(`info ${m}`), warn: (m: string) => void heard.push(`warn ${m}`), error: (m: string) => void heard.push(`error ${m}`) };
    const backend = new ScriptedBackend().failFor('bad@example.com', new AnymailAPIError('nope', { category: 'invalid-request' }));
    const outbox = await createOutbox({ database: `sqlite:${join(dir, 'mail.db')}`, backends: { default: backend }, logLevel: 2, logger });
    cleanups.push(() => outbox.close());
    const [quiet, bad] = await outbox.sendMany([{ recipients: 'ok@example.com' }, { recipients: 'bad@example.com' }]);
    expect(await outbox.sendQueued({ logLevel: 1 })).toEqual({ sent: 1, failed: 1, requeued: 0 });
    expect(await outbox.logs(quiet!.id)).toEqual([]);
    expect((await outbox.logs(bad!.id)).map((l) => l.status)).toEqual(['failed']);
    const now = await outbox.send({ recipients: 'now@example.com', priority: 'now' }, { logLevel: 0 });
    expect(now.status).toBe('sent');
    expect(await outbox.logs(now.id)).toEqual([]);
    expect(heard.some((line) => line.startsWith(`warn Outbox email #${bad!.id} failed`))).toBe(true);
    expect(heard).toContain('info Outbox drained 2 emails: sent 1, failed 1, requeued 0.');
  });
});

describe('anymail-outbox config errors', () => {
  it('a config that fails to load exits 2 with one line naming the file and the cause', async () => {
    const cli = io();
    const broken = new URL('./fixtures/broken-config.ts', import.meta.url).pathname;
    expect(await runCli(['migrate', '--config', broken], cli)).toBe(2);
    expect(cli.errors.join('')).toMatch(/^anymail-outbox: Cannot load config .*broken-config\.ts: BROKEN_CONFIG_API_KEY is not set\n$/);
  });
});
