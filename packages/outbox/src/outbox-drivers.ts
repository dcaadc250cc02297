/**
 * The database drivers are optional peers: install `pg` for PostgreSQL, `better-sqlite3` for
 * SQLite. They load when a URL needs them, with an error naming the package when missing.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import { AnymailConfigurationError } from '@anymail/core';

const require = createRequire(import.meta.url);

function load<T>(name: string, forWhat: string): T {
  try {
    return require(name) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new AnymailConfigurationError(`The outbox needs the '${name}' package for ${forWhat}: install it (npm install ${name}).`, { cause: error });
    }
    throw error;
  }
}

export function loadPg(): typeof pg {
  return load<typeof pg>('pg', 'PostgreSQL');
}

export function loadBetterSqlite3(): typeof BetterSqlite3 {
  return load<typeof BetterSqlite3>('better-sqlite3', 'SQLite');
}
