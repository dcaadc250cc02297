/**
 * Turns the `database` setting (a URL, a pool, a better-sqlite3 Database or a Kysely
 * instance) and a caller's `transaction` into Kysely instances over one schema.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteAdapter, SqliteDialect } from 'kysely';
import type pg from 'pg';
import { loadBetterSqlite3, loadPg } from './outbox-drivers.js';
import { AnymailConfigurationError } from '@anymail/core';
import type { OutboxDatabase } from './outbox-schema.js';

export type OutboxDialect = 'sqlite' | 'postgres';

/*
 * The public shapes below are structural, so an application's type check needs neither
 * @types/pg nor @types/better-sqlite3 (nor `any`): a pg Pool, a better-sqlite3 Database and a
 * Kysely instance (any copy of kysely) all fit them.
 */

/** Anything with pg's `query`: a `pg.Pool`, or a `pg.Client`/`PoolClient` inside a transaction. */
export interface PgQueryable {
  query: (...args: never[]) => unknown;
}

/** A `pg.Pool`. */
export interface PgPoolLike extends PgQueryable {
  connect: (...args: never[]) => unknown;
  readonly totalCount: number;
}

/** A better-sqlite3 `Database`. */
export interface SqliteDatabaseLike {
  prepare: (...args: never[]) => unknown;
  pragma: (...args: never[]) => unknown;
}

/** A `Kysely` instance (or a Kysely transaction), from any copy of kysely. */
export interface KyselyLike {
  getExecutor: (...args: never[]) => unknown;
  selectFrom: (...args: never[]) => unknown;
  withSchema: (...args: never[]) => unknown;
}

/**
 * Where the outbox keeps its tables: `'sqlite:./mail.db'`, `'sqlite::memory:'`,
 * `'postgres://user@host/db'`, a `pg.Pool`, a better-sqlite3 `Database`, or a `Kysely` instance.
 */
export type OutboxDatabaseOption = string | PgPoolLike | SqliteDatabaseLike | KyselyLike;

/**
 * A caller's open transaction to enqueue in: a Kysely transaction, a pg client that ran
 * `BEGIN`, or the better-sqlite3 Database inside its own `transaction()`/`BEGIN`.
 */
export type OutboxTransaction = KyselyLike | PgQueryable | SqliteDatabaseLike;

export interface ResolvedDatabase {
  db: Kysely<OutboxDatabase>;
  /** The same database without the schema plugin (the migrator adds its own). */
  rootDb: Kysely<any>;
  dialect: OutboxDialect;
  /** The pg pool we can take a LISTEN connection from, when we know it. */
  pool: pg.Pool | undefined;
  destroy(): Promise<void>;
}

function isSqliteDatabase(value: unknown): value is SqliteDatabase.Database {
  return typeof value === 'object' && value !== null && typeof (value as any).prepare === 'function' && typeof (value as any).pragma === 'function';
}

function isPgPool(value: unknown): value is pg.Pool {
  return typeof value === 'object' && value !== null && typeof (value as any).connect === 'function' && 'totalCount' in (value as any);
}

function isPgQueryable(value: unknown): value is { query(...args: unknown[]): Promise<unknown> } {
  return typeof value === 'object' && value !== null && typeof (value as any).query === 'function';
}

const guarded = new WeakSet<object>();
const swallow = () => undefined;

/**
 * A dropped PostgreSQL connection (a restart, a failover, a proxy's idle timeout) makes pg
 * emit 'error' on the client, and on the pool when the client was idle: with no listener,
 * that ends the process. Every client the outbox checks out gets a listener for its whole
 * life (pg removes its own while a client is checked out); the query in flight still
 * rejects, and the outbox turns that into an OutboxDatabaseError. A pool the outbox made
 * gets a pool listener too; a pool you pass keeps whatever listeners you gave it, plus ours.
 */
export function guardPool(pool: pg.Pool): pg.Pool {
  if (guarded.has(pool)) return pool;
  guarded.add(pool);
  pool.on('error', swallow);
  pool.on('acquire', (client: pg.PoolClient) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', swallow);
  });
  return pool;
}

/**
 * SQLite's `synchronous` for a file the outbox opens. FULL (the default) syncs the WAL on
 * every commit, so mail a resolved `send()` reported queued survives a power loss or an OS
 * crash; NORMAL is faster but may lose the last commits then (never on a process crash).
 */
export type SqliteSynchronous = 'full' | 'normal' | 'extra';

export function openSqlite(path: string, synchronous: SqliteSynchronous = 'full'): SqliteDatabase.Database {
  if (!['full', 'normal', 'extra'].includes(synchronous)) {
    throw new AnymailConfigurationError(`Outbox \`sqliteSynchronous\` must be 'full', 'normal' or 'extra' (got ${JSON.stringify(synchronous)}).`);
  }
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const Database = loadBetterSqlite3();
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  return database;
}

/**
 * Kysely prepares every SQLite statement anew; the outbox runs the same few statements
 * thousands of times, so keep the prepared statements (better-sqlite3 statements are
 * reusable, and Kysely runs each to completion before the next).
 */
function withStatementCache(database: SqliteDatabase.Database, owned = true, size = 200) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      if (owned) database.close();
    },
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement) {
        cache.delete(text);
      } else {
        statement = database.prepare(text);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

/**
 * A Kysely instance by its shape, not its class: one from kysely's CommonJS build, or from
 * another copy in node_modules, is just as good.
 */
export function isKysely(value: unknown): value is Kysely<any> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['selectFrom', 'insertInto', 'updateTable', 'withSchema', 'transaction', 'getExecutor', 'destroy'].every((name) => typeof candidate[name] === 'function');
}

export function dialectOf(db: Kysely<any>): OutboxDialect {
  const adapter = db.getExecutor().adapter as object;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  const name = adapter?.constructor?.name ?? '';
  if (/postgres/i.test(name)) return 'postgres';
  if (adapter instanceof SqliteAdapter || /sqlite/i.test(name)) return 'sqlite';
  throw new AnymailConfigurationError(`The outbox runs on SQLite or PostgreSQL; this Kysely instance uses ${name || 'another dialect'}.`);
}

function withSchema(db: Kysely<any>, schema: string | undefined): Kysely<OutboxDatabase> {
  return (schema === undefined ? db : db.withSchema(schema)) as Kysely<OutboxDatabase>;
}

export interface ResolveOptions {
  schema?: string | undefined;
  /** Connections in a pool the outbox creates from a URL. @default 10 */
  poolSize?: number | undefined;
  /** For a SQLite file the outbox opens from a URL. @default 'full' */
  sqliteSynchronous?: SqliteSynchronous | undefined;
}

export function resolveDatabase(option: OutboxDatabaseOption, options: ResolveOptions = {}): ResolvedDatabase {
  const { schema } = options;
  let rootDb: Kysely<any>;
  let pool: pg.Pool | undefined;
  let owned = false;
  if (typeof option === 'string') {
    if (/^postgres(ql)?:\/\//.test(option)) {
      pool = guardPool(new (loadPg().Pool)({ connectionString: option, max: options.poolSize ?? 10 }));
      rootDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
    } else if (option.startsWith('sqlite:')) {
      const path = option.slice('sqlite:'.length).replace(/^\/\//, '');
      if (path === '') throw new AnymailConfigurationError("Outbox database 'sqlite:' needs a path, e.g. 'sqlite:./mail.db'.");
      rootDb = new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(openSqlite(path, options.sqliteSynchronous)) }) });
    } else {
      throw new AnymailConfigurationError(
        `Outbox database URL must start with 'sqlite:' or 'postgres://' (got '${option.split(':')[0]}:…').`,
      );
    }
    owned = true;
  } else if (isKysely(option)) {
    rootDb = option;
  } else if (isSqliteDatabase(option)) {
    rootDb = new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(option, false) }) });
  } else if (isPgPool(option)) {
    pool = guardPool(option);
    rootDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
  } else {
    throw new AnymailConfigurationError('Outbox `database` must be a URL, a pg.Pool, a better-sqlite3 Database or a Kysely instance.');
  }
  const dialect = dialectOf(rootDb);
  if (schema !== undefined && dialect !== 'postgres') {
    throw new AnymailConfigurationError('Outbox `schema` is for PostgreSQL; with SQLite use a separate database file.');
  }
  return {
    db: withSchema(rootDb, schema),
    rootDb,
    dialect,
    pool,
    async destroy() {
      if (owned) await rootDb.destroy();
    },
  };
}

/** A Kysely bound to the caller's transaction, so our inserts commit or roll back with it. */
export function kyselyForTransaction(
  transaction: OutboxTransaction,
  dialect: OutboxDialect,
  schema: string | undefined,
): Kysely<OutboxDatabase> {
  if (isKysely(transaction)) return withSchema(transaction, schema);
  if (isSqliteDatabase(transaction)) {
    if (dialect !== 'sqlite') throw new AnymailConfigurationError('A SQLite transaction was given to a PostgreSQL outbox.');
    return withSchema(new Kysely({ dialect: new SqliteDialect({ database: transaction }) }), schema);
  }
  if (isPgQueryable(transaction)) {
    if (dialect !== 'postgres') throw new AnymailConfigurationError('A pg client was given to a SQLite outbox.');
    // A one-connection "pool" whose release does nothing: the caller owns the client and its transaction.
    const client = { query: (...args: unknown[]) => transaction.query(...args), release() {} };
    const pool = { connect: async () => client, end: async () => {} };
    return withSchema(new Kysely({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) }), schema);
  }
  throw new AnymailConfigurationError('Outbox `transaction` must be a Kysely transaction, a pg client, or a better-sqlite3 Database.');
}
