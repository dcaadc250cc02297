/**
 * A replay cache in PostgreSQL, shared by every process that receives the same webhooks.
 * Import from `@anymail/core/replay-cache/postgres`; uses a `pg` Pool you pass (the outbox's pool
 * works), or creates one from a connection string (`pg` is then an optional peer dependency).
 */
import { AnymailConfigurationError } from '../errors.js';
import type { ReplayCache } from '../tracking/replay-cache.js';
import { importOptionalPeer } from './optional-peer.js';

/** What the cache needs from a `pg` Pool or Client. */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
}

export interface PostgresReplayCacheOptions {
  /** A `pg` Pool (or Client) to use, e.g. the one given to `createOutbox({ database: pool })`. Not closed by `close()`. */
  pool?: PostgresQueryable;
  /** Or a connection string: a Pool is created with the `pg` package and closed by `close()`. */
  connectionString?: string;
  /** Table holding claimed keys, created on first use; `schema.table` allowed. @default 'anymail_webhook_replay' */
  tableName?: string;
  /** Delete expired rows at most this often (during a claim). @default 60000 */
  pruneIntervalMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

const TABLE_NAME = /^([a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*$/;

/**
 * Claims are one atomic statement: insert the key, or take over its row only when that row has
 * expired. Two processes claiming the same key at once: exactly one gets the row.
 */
export class PostgresReplayCache implements ReplayCache {
  readonly tableName: string;
  readonly #now: () => number;
  readonly #pruneIntervalMs: number;
  readonly #ownsPool: boolean;
  #pool: Promise<PostgresQueryable & { end?: () => Promise<void> }>;
  #ready: Promise<void> | undefined;
  #lastPrune = 0;

  constructor(options: PostgresReplayCacheOptions) {
    this.tableName = options.tableName ?? 'anymail_webhook_replay';
    if (!TABLE_NAME.test(this.tableName)) {
      throw new AnymailConfigurationError(
        `PostgresReplayCache tableName must be a plain lower-case identifier (or schema.table), got ${JSON.stringify(this.tableName)}`,
      );
    }
    if ((options.pool === undefined) === (options.connectionString === undefined)) {
      throw new AnymailConfigurationError('PostgresReplayCache needs exactly one of pool (a pg Pool) or connectionString');
    }
    this.#now = options.now ?? Date.now;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.#ownsPool = options.pool === undefined;
    this.#pool = options.pool
      ? Promise.resolve(options.pool)
      : importOptionalPeer<{ default: { Pool: new (config: { connectionString: string }) => PostgresQueryable & { end(): Promise<void> } } }>(
          'pg',
          'PostgresReplayCache with a connectionString',
        ).then((pg) => new pg.default.Pool({ connectionString: options.connectionString! }));
    // Surface a missing peer on first use, not as an unhandled rejection now.
    this.#pool.catch(() => undefined);
  }

  async claim(key: string, expiresAt: number): Promise<boolean> {
    const pool = await this.#table();
    const now = this.#now();
    if (now - this.#lastPrune >= this.#pruneIntervalMs) {
      this.#lastPrune = now;
      await pool.query(`DELETE FROM ${this.tableName} WHERE expires_at <= $1`, [now]);
    }
    const result = await pool.query(
      `INSERT INTO ${this.tableName} (key, expires_at) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE ${this.tableName}.expires_at <= $3`,
      [key, expiresAt, now],
    );
    return result.rowCount === 1;
  }

  async release(key: string): Promise<void> {
    const pool = await this.#table();
    await pool.query(`DELETE FROM ${this.tableName} WHERE key = $1`, [key]);
  }

  /** Close the pool when this cache created it (from connectionString). */
  async close(): Promise<void> {
    if (this.#ownsPool) await (await this.#pool).end?.();
  }

  #table(): Promise<PostgresQueryable> {
    this.#ready ??= this.#createTable().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready.then(() => this.#pool);
  }

  async #createTable(): Promise<void> {
    const pool = await this.#pool;
    try {
      await pool.query(`CREATE TABLE IF NOT EXISTS ${this.tableName} (key text PRIMARY KEY, expires_at bigint NOT NULL)`);
    } catch (error) {
      // Two processes creating the table at once: the loser sees a duplicate type or table, which is fine.
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== '23505' && code !== '42P07') throw error;
    }
  }
}
