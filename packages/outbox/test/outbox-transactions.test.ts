/**
 * Enqueue inside the caller's own transaction, through the driver the caller already uses:
 * the email exists exactly when the business write commits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutbox, type Outbox } from '../src/index.js';
import { openSqlite } from '../src/outbox-database.js';
import { ScriptedBackend } from '../src/test/index.js';
import { dropSchema, POSTGRES_URL, uniqueSchema } from './support/postgres-store.js';

async function subjects(outbox: Outbox): Promise<string[]> {
  return (await outbox.db.selectFrom('outbox_email').select('subject').orderBy('id').execute()).map((r) => r.subject);
}

describe('transactional enqueue', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('PostgreSQL: a pg client in BEGIN … ROLLBACK leaves no mail; BEGIN … COMMIT leaves the mail and the order row', async () => {
    const schema = uniqueSchema('outbox_trx');
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    cleanups.push(() => dropSchema(schema), () => pool.end());
    const outbox = await createOutbox({ database: pool, schema, backends: { default: new ScriptedBackend() } });
    cleanups.push(() => outbox.close());
    await outbox.migrate();
    await pool.query(`create table "${schema}".orders (id serial primary key, note text)`);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`insert into "${schema}".orders (note) values ('rolled back')`);
      await outbox.send({ recipients: 'a@example.com', subject: 'rolled back' }, { transaction: client });
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query(`insert into "${schema}".orders (note) values ('committed')`);
      await outbox.send({ recipients: 'a@example.com', subject: 'committed' }, { transaction: client });
      expect(await subjects(outbox)).toEqual([]); // not visible to others before COMMIT
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await subjects(outbox)).toEqual(['committed']);
    expect((await pool.query(`select note from "${schema}".orders`)).rows).toEqual([{ note: 'committed' }]);
  });

  it('SQLite: the better-sqlite3 Database inside db.transaction() commits or rolls back with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-trx-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const database = openSqlite(join(dir, 'app.db'));
    const outbox = await createOutbox({ database, backends: { default: new ScriptedBackend() } });
    cleanups.push(() => void database.close());
    await outbox.migrate();
    database.exec('create table orders (id integer primary key, note text)');
    database.exec('BEGIN');
    database.prepare('insert into orders (note) values (?)').run('rolled back');
    await outbox.send({ recipients: 'a@example.com', subject: 'rolled back' }, { transaction: database });
    database.exec('ROLLBACK');
    database.exec('BEGIN');
    database.prepare('insert into orders (note) values (?)').run('committed');
    await outbox.send({ recipients: 'a@example.com', subject: 'committed' }, { transaction: database });
    database.exec('COMMIT');
    expect(await subjects(outbox)).toEqual(['committed']);
    expect(database.prepare('select note from orders').all()).toEqual([{ note: 'committed' }]);
  });
});
