/** How the outbox opens and recognises databases: durability on SQLite, any copy of Kysely. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutbox } from '../src/index.js';
import { ScriptedBackend } from '../src/test/index.js';

const dir = mkdtempSync(join(tmpdir(), 'outbox-db-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('outbox database options', () => {
  it('opens a SQLite file with synchronous=FULL by default, so a resolved send() survives a power loss; NORMAL on request', async () => {
    const durable = await createOutbox({ database: `sqlite:${join(dir, 'full.db')}`, backends: { default: new ScriptedBackend() } });
    const fast = await createOutbox({ database: `sqlite:${join(dir, 'normal.db')}`, backends: { default: new ScriptedBackend() }, sqliteSynchronous: 'normal' });
    const level = async (outbox: typeof durable) => (await sql<{ synchronous: number }>`pragma synchronous`.execute(outbox.db)).rows[0]!.synchronous;
    expect(await level(durable)).toBe(2);
    expect(await level(fast)).toBe(1);
    await durable.close();
    await fast.close();
    await expect(createOutbox({ database: `sqlite:${join(dir, 'x.db')}`, backends: { default: new ScriptedBackend() }, sqliteSynchronous: 'off' as never })).rejects.toThrow(/sqliteSynchronous/);
  });

  it('concurrent send() calls on SQLite commit together (group commit), each getting its own email back', async () => {
    const backend = new ScriptedBackend();
    const outbox = await createOutbox({ database: `sqlite:${join(dir, 'group.db')}`, backends: { default: backend } });
    const emails = await Promise.all(Array.from({ length: 200 }, (_, i) => outbox.send({ recipients: `g${i}@example.com`, subject: `g${i}` })));
    expect(emails.map((email) => email.to[0])).toEqual(Array.from({ length: 200 }, (_, i) => `g${i}@example.com`));
    expect(new Set(emails.map((email) => email.id)).size).toBe(200);
    for (const email of emails.slice(0, 5)) expect((await outbox.get(email.id))!.subject).toBe(email.subject);
    expect(await outbox.sendQueued()).toEqual({ sent: 200, failed: 0, requeued: 0 });
    await outbox.close();
  });

  it("accepts a Kysely instance from kysely's CommonJS build (another copy of the class)", async () => {
    const cjs = createRequire(import.meta.url)('kysely') as typeof import('kysely');
    const db = new cjs.Kysely({ dialect: new cjs.SqliteDialect({ database: new Database(join(dir, 'cjs.db')) }) });
    const backend = new ScriptedBackend();
    const outbox = await createOutbox({ database: db, backends: { default: backend } });
    expect(outbox.dialect).toBe('sqlite');
    await outbox.migrate();
    await outbox.send({ recipients: 'a@example.com', subject: 'via a CommonJS Kysely' });
    expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    await outbox.close();
    await db.destroy();
  });
});
