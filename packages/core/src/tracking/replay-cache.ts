/**
 * Remembers webhook nonces (Mailgun tokens, SNS message ids) so a captured request
 * cannot be replayed. Plug in a shared store (Redis, SQL) when several processes
 * receive webhooks; the in-memory default only protects one process.
 */
export interface ReplayCache {
  /**
   * Record `key` until `expiresAt` (ms since epoch). Returns false when the key was
   * already recorded and has not expired (a replay). Must be atomic in shared stores.
   */
  claim(key: string, expiresAt: number): boolean | Promise<boolean>;
  /** Forget a key, so the ESP's retry of a request we failed to process is accepted. */
  release(key: string): void | Promise<void>;
}

/** Process-local replay cache; keeps at most `maxEntries` keys (oldest dropped first). */
export class MemoryReplayCache implements ReplayCache {
  readonly #entries = new Map<string, number>();

  constructor(
    readonly maxEntries = 100_000,
    readonly now: () => number = Date.now,
  ) {}

  claim(key: string, expiresAt: number): boolean {
    const now = this.now();
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing > now) return false;
    this.#entries.delete(key);
    this.#entries.set(key, expiresAt);
    this.#prune(now);
    return true;
  }

  release(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #prune(now: number): void {
    for (const [key, expiresAt] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && expiresAt > now) break;
      if (expiresAt <= now || this.#entries.size > this.maxEntries) this.#entries.delete(key);
    }
  }
}
