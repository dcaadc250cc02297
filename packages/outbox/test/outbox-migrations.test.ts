/**
 * Upgrades: a store migrated by an earlier release, with mail still queued in it, takes the
 * new migrations and delivers that mail. Run on a SQLite file and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutbox, type OutboxSettings } from '../src/index.js';
import { resolveDatabase } from '../src/outbox-database.js';
import { migrateOutbox } from '../src/outbox-migrations.js';
import { rowFromBeforeEspOptions } from '../src/test/conformance-esp-options.js';
import { ScriptedBackend } from '../src/test/index.js';
import { dropSchema, POSTGRES_URL, uniqueSchema } from './support/postgres-store.js';

type Store = Pick<OutboxSettings, 'database' | 'schema'>;

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const stores: Array<[string, () => Store]> = [
  [
    'SQLite file',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'outbox-upgrade-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return { database: `sqlite:${join(dir, 'mail.db')}` };
    },
  ],
  [
    'PostgreSQL',
    () => {
      const schema = uniqueSchema('outbox_upgrade');
      cleanups.push(() => dropSchema(schema));
      return { database: POSTGRES_URL, schema };
    },
  ],
];

describe.each(stores)('outbox migrations: %s', (_name, makeStore) => {
  it('a store at 0001_initial with a queued row upgrades to 0002_esp_options and still delivers the row', async () => {
    const store = makeStore();
    // What the previous release left behind: its one migration, and a row it queued.
    const previous = resolveDatabase(store.database, { schema: store.schema });
    try {
      expect(await migrateOutbox(previous.rootDb, previous.dialect, store.schema, '0001_initial')).toEqual(['0001_initial']);
      await previous.db.insertInto('outbox_email').values(rowFromBeforeEspOptions('queued before the upgrade')).execute();
    } finally {
      await previous.destroy();
    }
    // A deploy whose migration has not run yet can still queue plain mail.
    const early = await createOutbox({ ...store, backends: { default: new ScriptedBackend() } });
    await early.send({ recipients: 'early@example.com', subject: 'queued by new code before migrating' });
    await early.close();

    const backend = new ScriptedBackend();
    const outbox = await createOutbox({ ...store, backends: { default: backend } });
    cleanups.push(() => outbox.close());
    expect(await outbox.migrate()).toEqual(['0002_esp_options']);
    expect(await outbox.migrate()).toEqual([]);
    const [old, earlyRow] = await outbox.db.selectFrom('outbox_email').select(['id', 'esp_options']).orderBy('id').execute();
    expect([old!.esp_options, earlyRow!.esp_options]).toEqual([null, null]);

    const fresh = await outbox.send({ recipients: 'new@example.com', subject: 'queued after the upgrade', espOptions: { tags: ['new'] } });
    expect(await outbox.sendQueued()).toEqual({ sent: 3, failed: 0, requeued: 0 });
    const bySubject = new Map(backend.sent.map((message) => [message.subject, message]));
    expect(bySubject.get('queued before the upgrade')).toMatchObject({
      body: 'text',
      to: ['old-row@example.com'],
      headers: { 'X-Old': 'yes' },
      alternatives: [{ content: '<p>html</p>', mimetype: 'text/html' }],
      tags: undefined,
      metadata: undefined,
    });
    expect(bySubject.get('queued after the upgrade')!.tags).toEqual(['new']);
    expect(bySubject.get('queued by new code before migrating')!.to).toEqual(['early@example.com']);
    expect((await outbox.get(Number(old!.id)))!.status).toBe('sent');
    expect((await outbox.get(fresh.id))!.status).toBe('sent');
  });
});
