/**
 * Upgrades: a store migrated by an earlier release, with mail still queued in it, takes the
 * new migrations and delivers that mail. Run on a SQLite file and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutbox, OutboxNotMigrated, type OutboxSettings } from '../src/index.js';
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
  it('a store at 0001_initial with queued rows upgrades to the latest, moves the rows, and still delivers them', async () => {
    const store = makeStore();
    // What earlier releases left behind: a row queued at 0001, and one with ESP options at 0002.
    const previous = resolveDatabase(store.database, { schema: store.schema });
    try {
      expect(await migrateOutbox(previous.rootDb, previous.dialect, store.schema, '0001_initial')).toEqual(['0001_initial']);
      await previous.db.insertInto('outbox_email').values(rowFromBeforeEspOptions('queued before the upgrade')).execute();
      expect(await migrateOutbox(previous.rootDb, previous.dialect, store.schema, '0002_esp_options')).toEqual(['0002_esp_options']);
      await previous.db
        .insertInto('outbox_email')
        .values({ ...rowFromBeforeEspOptions('queued at 0002'), esp_options: JSON.stringify({ tags: ['old'], alternatives: [{ content: '<amp>', mimetype: 'text/x-amp-html' }] }) })
        .execute();
    } finally {
      await previous.destroy();
    }
    // New code on a store that has not been migrated says what to do, instead of a driver error.
    const early = await createOutbox({ ...store, backends: { default: new ScriptedBackend() }, autoMigrate: false });
    await expect(early.send({ recipients: 'early@example.com', subject: 'too early' })).rejects.toThrow(OutboxNotMigrated);
    await expect(early.send({ recipients: 'early@example.com', subject: 'too early' })).rejects.toThrow(/anymail-outbox migrate/);
    await early.close();

    const backend = new ScriptedBackend();
    const outbox = await createOutbox({ ...store, backends: { default: backend }, autoMigrate: false });
    cleanups.push(() => outbox.close());
    expect(await outbox.migrate()).toEqual(['0003_message_codec', '0004_send_result', '0005_backend_health']);
    expect(await outbox.migrate()).toEqual([]);
    const moved = await outbox.db.selectFrom('outbox_email').select(['id', 'message_json']).orderBy('id').execute();
    expect(moved.every((row) => row.message_json !== null)).toBe(true);

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
    expect(bySubject.get('queued at 0002')).toMatchObject({
      tags: ['old'],
      alternatives: [
        { content: '<amp>', mimetype: 'text/x-amp-html' },
        { content: '<p>html</p>', mimetype: 'text/html' },
      ],
    });
    expect(bySubject.get('queued after the upgrade')!.tags).toEqual(['new']);
    expect((await outbox.get(Number(moved[0]!.id)))!.status).toBe('sent');
    expect((await outbox.get(fresh.id))!.status).toBe('sent');
  });
});
