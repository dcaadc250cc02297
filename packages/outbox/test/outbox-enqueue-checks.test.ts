/**
 * Bad mail and bad configuration are refused where they are written (send, templates.create,
 * createOutbox), with core's errors, instead of failing later at delivery.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AnymailInvalidAddress, BadHeaderError, MemoryBackend } from '@anymail/core';
import { createOutbox, OutboxNotMigrated, type Outbox, type OutboxSettings } from '../src/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { testStores } from './support/postgres-store.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const stores = testStores('checks', cleanups);

describe.each(stores)('outbox checks at enqueue: %s', (_name, makeStore) => {
  async function migrated(settings: Partial<OutboxSettings> = {}): Promise<Outbox> {
    const outbox = await createOutbox({ ...makeStore(), backends: { default: new ScriptedBackend() }, ...settings });
    cleanups.push(() => outbox.close());
    await outbox.migrate();
    return outbox;
  }

  async function queued(outbox: Outbox): Promise<number> {
    return (await outbox.db.selectFrom('outbox_email').select('id').execute()).length;
  }

  it('refuses an invalid address with core’s AnymailInvalidAddress, and queues nothing', async () => {
    const outbox = await migrated();
    await expect(outbox.send({ recipients: ['ann'] })).rejects.toThrow(AnymailInvalidAddress);
    await expect(outbox.send({ recipients: 'ok@example.com', sender: 'not an address' })).rejects.toThrow(AnymailInvalidAddress);
    await expect(outbox.sendMany([{ recipients: 'ok@example.com' }, { recipients: 'ok@example.com', cc: 'bad@' }])).rejects.toThrow(AnymailInvalidAddress);
    expect(await queued(outbox)).toBe(0);
  });

  it('refuses header injection in the subject and in headers with core’s BadHeaderError', async () => {
    const outbox = await migrated();
    await expect(outbox.send({ recipients: 'a@example.com', subject: 'x\nBcc: victim@example.com' })).rejects.toThrow(BadHeaderError);
    await expect(outbox.send({ recipients: 'a@example.com', headers: { 'X-Note': 'a\r\nBcc: victim@example.com' } })).rejects.toThrow(BadHeaderError);
    await expect(outbox.send({ recipients: 'a@example.com', headers: { 'Bad Name:': 'x' } })).rejects.toThrow(BadHeaderError);
    expect(await queued(outbox)).toBe(0);
  });

  it('refuses a template that does not compile at create and update, naming the template, field and line', async () => {
    const outbox = await migrated();
    await expect(outbox.templates.create({ name: 'broken', subject: 'Hi {{ name' })).rejects.toThrow(/template 'broken'.*subject, line 1/);
    const good = await outbox.templates.create({ name: 'good', content: 'ok\n{{ name }}' });
    await expect(outbox.templates.update(good.id, { content: 'ok\n{% if x %}never closed' })).rejects.toThrow(/template 'good'.*content/);
    expect((await outbox.templates.list()).map((t) => t.name)).toEqual(['good']);
  });

  it('migrates an embedded SQLite file by itself (autoMigrate); otherwise says to run migrate', async () => {
    const store = makeStore();
    const automatic = typeof store.database === 'string' && store.database.startsWith('sqlite:');
    const outbox = await createOutbox({ ...store, backends: { default: new ScriptedBackend() } });
    cleanups.push(() => outbox.close());
    if (automatic) expect((await outbox.send({ recipients: 'a@example.com' })).status).toBe('queued');
    else await expect(outbox.send({ recipients: 'a@example.com' })).rejects.toThrow(/Run `await outbox.migrate\(\)` or `anymail-outbox migrate`/);
    const manual = await createOutbox({ ...makeStore(), backends: { default: new ScriptedBackend() }, autoMigrate: false });
    cleanups.push(() => manual.close());
    await expect(manual.send({ recipients: 'a@example.com' })).rejects.toThrow(OutboxNotMigrated);
  });

  it('resolves backends like getConnection (instance, class, module specifier) and refuses a non-backend at createOutbox', async () => {
    const outbox = await migrated({ backends: { default: MemoryBackend, byName: '@anymail/core#MemoryBackend', given: new ScriptedBackend() } });
    await outbox.sendMany([{ recipients: 'a@example.com' }, { recipients: 'b@example.com', backend: 'byName' }, { recipients: 'c@example.com', backend: 'given' }]);
    expect(await outbox.sendQueued()).toEqual({ sent: 3, failed: 0, requeued: 0 });
    await expect(createOutbox({ ...makeStore(), backends: { default: { send: () => 1 } as never } })).rejects.toThrow(/Outbox backend 'default'/);
    await expect(createOutbox({ ...makeStore(), backends: { default: '@anymail/no-such-esp' } })).rejects.toThrow(/Outbox backend 'default'.*no-such-esp/);
  });
});
