/** A throwaway PostgreSQL schema per test file, so parallel runs never collide. */
import { randomBytes } from 'node:crypto';
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
