/**
 * FailoverBackend's circuit-breaker state on the outbox's database, so every worker sharing
 * the queue agrees that an ESP is down (one worker's failures open the breaker for all).
 * Reads are cached for `cacheMs` per key, so a send does not always cost a query.
 */
import type { Kysely } from 'kysely';
import type { BackendHealth, HealthStore } from '@anymail/core';
import { withDatabase } from './outbox-errors.js';
import type { OutboxDatabase } from './outbox-schema.js';

export class OutboxHealthStore implements HealthStore {
  readonly #cache = new Map<string, { at: number; health: BackendHealth | undefined }>();

  constructor(
    readonly db: () => Kysely<OutboxDatabase>,
    readonly cacheMs = 250,
  ) {}

  async get(key: string): Promise<BackendHealth | undefined> {
    const cached = this.#cache.get(key);
    if (cached && Date.now() - cached.at < this.cacheMs) return cached.health;
    const row = await withDatabase('reading backend health', () =>
      this.db().selectFrom('outbox_backend_health').select(['consecutive_failures', 'open_until']).where('key', '=', key).executeTakeFirst(),
    );
    const health = row && { consecutiveFailures: row.consecutive_failures, openUntil: Number(row.open_until) };
    this.#cache.set(key, { at: Date.now(), health });
    return health;
  }

  async set(key: string, health: BackendHealth): Promise<void> {
    this.#cache.set(key, { at: Date.now(), health });
    const now = Date.now();
    await withDatabase('writing backend health', () =>
      this.db()
        .insertInto('outbox_backend_health')
        .values({ key, consecutive_failures: health.consecutiveFailures, open_until: health.openUntil, updated: now })
        .onConflict((c) => c.column('key').doUpdateSet({ consecutive_failures: health.consecutiveFailures, open_until: health.openUntil, updated: now }))
        .execute(),
    );
  }
}
