/**
 * A replay cache in Redis, shared by every process that receives the same webhooks.
 * Import from `@anymail/core/replay-cache/redis`; uses a node-redis client you pass (connected),
 * or creates one from a URL (`redis` is then an optional peer dependency).
 */
import { AnymailConfigurationError } from '../errors.js';
import type { ReplayCache, ReplayClaim } from '../tracking/replay-cache.js';
import { importOptionalPeer } from './optional-peer.js';

/** What the cache needs from a node-redis client (`createClient()` from the `redis` package, v4 or later). */
export interface RedisCommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RedisReplayCacheOptions {
  /** A connected node-redis client. Not closed by `close()`. */
  client?: RedisCommandClient;
  /** Or a URL (`redis://127.0.0.1:6379`): a client is created with the `redis` package, connected on first use, closed by `close()`. */
  url?: string;
  /** Prefix of every key. @default 'anymail:replay:' */
  keyPrefix?: string;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

interface OwnedClient extends RedisCommandClient {
  connect(): Promise<unknown>;
  quit(): Promise<unknown>;
}

/**
 * `SET key p PX <ms until expiry> NX` claims atomically (`p`: in progress), and Redis forgets the key
 * when its window closes; `complete` rewrites it to `d` (done) with the same expiry. Plain commands
 * only (no scripting), so any Redis-compatible server works.
 */
export class RedisReplayCache implements ReplayCache {
  readonly keyPrefix: string;
  readonly #now: () => number;
  readonly #owned: boolean;
  #client: Promise<RedisCommandClient & Partial<OwnedClient>> | undefined;
  readonly #url: string | undefined;

  constructor(options: RedisReplayCacheOptions) {
    if ((options.client === undefined) === (options.url === undefined)) {
      throw new AnymailConfigurationError('RedisReplayCache needs exactly one of client (a connected node-redis client) or url');
    }
    this.keyPrefix = options.keyPrefix ?? 'anymail:replay:';
    this.#now = options.now ?? Date.now;
    this.#owned = options.client === undefined;
    this.#url = options.url;
    if (options.client) this.#client = Promise.resolve(options.client);
  }

  async claim(key: string, expiresAt: number): Promise<ReplayClaim> {
    const ttl = Math.ceil(expiresAt - this.#now());
    if (ttl <= 0) return 'claimed'; // Already outside its window: nothing to remember.
    const client = await this.#connect();
    const answer = await client.sendCommand(['SET', this.keyPrefix + key, 'p', 'PX', String(ttl), 'NX']);
    if (answer !== null && answer !== undefined) return 'claimed';
    // Taken. Read its state: a key gone meanwhile (released, expired) or written by 0.1 ('1') counts
    // as in progress, so the ESP retries rather than the request being dropped.
    const state = await client.sendCommand(['GET', this.keyPrefix + key]);
    return String(state) === 'd' ? 'done' : 'in-progress';
  }

  /** Mark a claimed key done until `expiresAt`, the expiry it was claimed with (`XX`: a released or expired key stays gone). */
  async complete(key: string, expiresAt: number): Promise<void> {
    const ttl = Math.ceil(expiresAt - this.#now());
    if (ttl <= 0) return;
    const client = await this.#connect();
    await client.sendCommand(['SET', this.keyPrefix + key, 'd', 'PX', String(ttl), 'XX']);
  }

  async release(key: string): Promise<void> {
    const client = await this.#connect();
    await client.sendCommand(['DEL', this.keyPrefix + key]);
  }

  /** Close the client when this cache created it (from url). */
  async close(): Promise<void> {
    if (this.#owned && this.#client) await (await this.#client).quit?.();
  }

  #connect(): Promise<RedisCommandClient & Partial<OwnedClient>> {
    this.#client ??= (async () => {
      const redis = await importOptionalPeer<{ createClient(options: { url: string }): OwnedClient }>('redis', 'RedisReplayCache with a url');
      const client = redis.createClient({ url: this.#url! });
      await client.connect();
      return client;
    })().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }
}
