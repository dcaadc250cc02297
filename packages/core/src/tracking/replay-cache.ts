import { AnymailConfigurationError, AnymailWebhookBusy } from '../errors.js';

/**
 * Remembers webhook nonces (Mailgun tokens, SNS message ids, hashes of signed SendGrid bodies)
 * so a captured request cannot be replayed. The in-memory default only protects one process;
 * behind a load balancer use a shared store (`@anymail/core/replay-cache/postgres` or `/redis`).
 */
export interface ReplayCache {
  /**
   * Record `key` until `expiresAt` (ms since epoch). Returns false when the key was already
   * recorded and has not expired (a replay). Must be atomic in shared stores. May throw
   * AnymailWebhookBusy (answered 503, so the ESP retries) when it cannot record the key.
   */
  claim(key: string, expiresAt: number): boolean | Promise<boolean>;
  /** Forget a key, so the ESP's retry of a request we failed to process is accepted. */
  release(key: string): void | Promise<void>;
}

/** Options of {@link MemoryReplayCache}. */
export interface MemoryReplayCacheOptions {
  /**
   * Most keys held at once. Only expired keys are ever evicted: when this many keys are still
   * within their window, a new claim is refused with AnymailWebhookBusy (503, the ESP retries
   * later) rather than forgetting a key that a captured request could reuse.
   * @default 100000
   */
  maxEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/**
 * Process-local replay cache, bounded by time: a key is kept until its expiry and never dropped
 * earlier. Expired keys are evicted in expiry order (a min-heap), so each claim costs O(log n).
 */
export class MemoryReplayCache implements ReplayCache {
  readonly maxEntries: number;
  readonly now: () => number;
  readonly #entries = new Map<string, number>();
  /** [expiresAt, key], smallest expiry first. May hold stale pairs for released or re-claimed keys. */
  readonly #heap: [number, string][] = [];

  constructor(options: MemoryReplayCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries <= 0) {
      throw new AnymailConfigurationError(`MemoryReplayCache maxEntries must be a positive whole number (got ${this.maxEntries})`);
    }
  }

  claim(key: string, expiresAt: number): boolean {
    const now = this.now();
    this.#evictExpired(now);
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing > now) return false;
    if (expiresAt <= now) return true; // Already outside its window: nothing to remember.
    if (this.#entries.size >= this.maxEntries) {
      const retryAfterMs = Math.max(1000, (this.#heap[0]?.[0] ?? now + 60_000) - now);
      throw new AnymailWebhookBusy(
        `Replay cache is full (${this.maxEntries} keys still within their window); answering 503 so the ESP retries. ` +
          'Raise maxEntries or use a shared replay cache (PostgreSQL, Redis).',
        { retryAfterMs },
      );
    }
    this.#entries.set(key, expiresAt);
    this.#push([expiresAt, key]);
    return true;
  }

  release(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #evictExpired(now: number): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]![0] <= now) {
      const [expiresAt, key] = this.#pop();
      if (this.#entries.get(key) === expiresAt) this.#entries.delete(key);
    }
    // Released keys leave stale heap pairs; rebuild when they dominate so memory stays bounded.
    if (heap.length > 2 * this.#entries.size + 1024) {
      heap.length = 0;
      for (const [key, expiresAt] of this.#entries) this.#push([expiresAt, key]);
    }
  }

  #push(item: [number, string]): void {
    const heap = this.#heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]![0] <= heap[i]![0]) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  #pop(): [number, string] {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left]![0] < heap[smallest]![0]) smallest = left;
        if (right < heap.length && heap[right]![0] < heap[smallest]![0]) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}
