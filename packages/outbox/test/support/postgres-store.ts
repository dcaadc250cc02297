/** A throwaway PostgreSQL schema per test file, so parallel runs never collide. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const POSTGRES_URL = process.env['ANYMAIL_OUTBOX_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export function uniqueSchema(prefix = 'outbox_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Something to undo after a test file: a temp folder, a schema, an outbox, a server. */
export type Cleanup = () => Promise<void> | void;

/** Where an outbox keeps its tables: a fresh SQLite file or a fresh PostgreSQL schema. */
export type StoreFactory = () => { database: string; schema?: string };

/**
 * The two stores every outbox behaviour is checked on, as `describe.each` rows: a SQLite file in
 * a temp folder and a throwaway PostgreSQL schema, each removed through `cleanups`.
 */
export function testStores(prefix: string, cleanups: Cleanup[]): Array<[string, StoreFactory]> {
  return [
    [
      'SQLite file',
      () => {
        const dir = mkdtempSync(join(tmpdir(), `outbox-${prefix}-`));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        return { database: `sqlite:${join(dir, 'mail.db')}` };
      },
    ],
    [
      'PostgreSQL',
      () => {
        const schema = uniqueSchema(`outbox_${prefix.replace(/-/g, '_')}`);
        cleanups.push(() => dropSchema(schema));
        return { database: POSTGRES_URL, schema };
      },
    ],
  ];
}
