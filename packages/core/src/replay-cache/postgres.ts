/**
 * A replay cache in PostgreSQL, shared by every process that receives the same webhooks.
 * Import from `@anymail/core/replay-cache/postgres`; uses a `pg` Pool you pass (the outbox's pool
 * works), or creates one from a connection string (`pg` is then an optional peer dependency).
 */
import { AnymailConfigurationError } from '../errors.js';
import type { ReplayCache, ReplayClaim } from '../tracking/replay-cache.js';
import { importOptionalPeer } from './optional-peer.js';

/** What the cache needs from a `pg` Pool or Client. */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null; rows?: unknown[] }>;
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
 * Claims are one atomic statement: insert the key (in progress), or take over its row only when
 * that row has expired; otherwise read whether the earlier claim is done. Two processes claiming
 * the same key at once: exactly one gets the row.
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

  async claim(key: string, expiresAt: number): Promise<ReplayClaim> {
    const pool = await this.#table();
    const now = this.#now();
    if (now - this.#lastPrune >= this.#pruneIntervalMs) {
      this.#lastPrune = now;
      await pool.query(`DELETE FROM ${this.tableName} WHERE expires_at <= $1`, [now]);
    }
    // The outer SELECT sees the table as the statement began: a row committed by a concurrent claim
    // meanwhile reads as NULL, which counts as in progress (the ESP retries; nothing is lost).
    const result = await pool.query(
      `WITH claimed AS (
         INSERT INTO ${this.tableName} (key, expires_at, done) VALUES ($1, $2, false)
         ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at, done = false WHERE ${this.tableName}.expires_at <= $3
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM claimed) AS claimed,
              (SELECT done FROM ${this.tableName} WHERE key = $1 AND expires_at > $3) AS done`,
      [key, expiresAt, now],
    );
    const row = result.rows?.[0] as { claimed?: unknown; done?: unknown } | undefined;
    if (row?.claimed === true) return 'claimed';
    return row?.done === true ? 'done' : 'in-progress';
  }

  /** Mark a claimed key done; its expiry is the one it was claimed with. */
  async complete(key: string): Promise<void> {
    const pool = await this.#table();
    await pool.query(`UPDATE ${this.tableName} SET done = true WHERE key = $1`, [key]);
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
      await pool.query(
        `CREATE TABLE IF NOT EXISTS ${this.tableName} (key text PRIMARY KEY, expires_at bigint NOT NULL, done boolean NOT NULL DEFAULT false)`,
      );
    } catch (error) {
      // Two processes creating the table at once: the loser sees a duplicate type or table, which is fine.
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== '23505' && code !== '42P07') throw error;
    }
    // Tables created by 0.1 have no `done` column. Their rows (and rows 0.1 processes still insert
    // during a rolling deploy) read as in progress: a redelivery is asked to retry, never dropped.
    const hasDone = async () =>
      (await pool.query(`SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'done' AND NOT attisdropped`, [this.tableName]))
        .rowCount !== 0;
    if (await hasDone()) return;
    try {
      await pool.query(`ALTER TABLE ${this.tableName} ADD COLUMN IF NOT EXISTS done boolean NOT NULL DEFAULT false`);
    } catch (error) {
      // Two processes adding the column at once: the loser's catalog update may conflict, which is fine.
      if (!(await hasDone())) throw error;
    }
  }
}
