import { AnymailConfigurationError, AnymailWebhookBusy } from '../errors.js';

/**
 * What a claim found: `'claimed'` — the key was free and is now recorded, in progress, for this
 * request; `'in-progress'` — an earlier request with the key is still being processed (or ended
 * without saying so); `'done'` — an earlier request with the key was processed.
 */
export type ReplayClaim = 'claimed' | 'in-progress' | 'done';

/**
 * Remembers webhook nonces (Mailgun tokens, SNS message ids, Svix ids, hashes of signed SendGrid
 * bodies) so a request is processed once: a claim is in progress while its request is processed,
 * then done until the signature window closes. A redelivery of a done request is acknowledged (200)
 * with nothing delivered again; one that arrives while the first is in progress is answered 503, so
 * the ESP retries; a claim is released when processing fails, so the ESP's retry is processed.
 * The in-memory default only protects one process; behind a load balancer use a shared store
 * (`@anymail/core/replay-cache/postgres` or `/redis`).
 */
export interface ReplayCache {
  /**
   * Record `key` as in progress until `expiresAt` (ms since epoch), unless it is already recorded
   * and has not expired: then say whether that earlier claim is still in progress or done. Must be
   * atomic in shared stores (of many concurrent claims of one key, exactly one gets `'claimed'`).
   * May throw AnymailWebhookBusy (answered 503, so the ESP retries) when it cannot record the key.
   *
   * A cache written for the 0.1 interface answers a boolean: `true` counts as `'claimed'`,
   * `false` as `'in-progress'`.
   */
  claim(key: string, expiresAt: number): ReplayClaim | boolean | Promise<ReplayClaim | boolean>;
  /**
   * Mark a key this process claimed as done (its request was processed), keeping it until
   * `expiresAt` (the expiry it was claimed with). Optional only for caches written for the 0.1
   * interface: without it a redelivery is answered 503 (retry later) until the window closes.
   */
  complete?(key: string, expiresAt: number): void | Promise<void>;
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
 * Process-local replay cache, bounded by time: a key is kept (in progress, then done) until its
 * expiry and never dropped earlier. Expired keys are evicted in expiry order (a min-heap), so each
 * claim costs O(log n).
 */
export class MemoryReplayCache implements ReplayCache {
  readonly maxEntries: number;
  readonly now: () => number;
  readonly #entries = new Map<string, { expiresAt: number; done: boolean }>();
  /** [expiresAt, key], smallest expiry first. May hold stale pairs for released or re-claimed keys. */
  readonly #heap: [number, string][] = [];

  constructor(options: MemoryReplayCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries <= 0) {
      throw new AnymailConfigurationError(`MemoryReplayCache maxEntries must be a positive whole number (got ${this.maxEntries})`);
    }
  }

  claim(key: string, expiresAt: number): ReplayClaim {
    const now = this.now();
    this.#evictExpired(now);
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing.expiresAt > now) return existing.done ? 'done' : 'in-progress';
    if (expiresAt <= now) return 'claimed'; // Already outside its window: nothing to remember.
    if (this.#entries.size >= this.maxEntries) {
      const retryAfterMs = Math.max(1000, (this.#heap[0]?.[0] ?? now + 60_000) - now);
      throw new AnymailWebhookBusy(
        `Replay cache is full (${this.maxEntries} keys still within their window); answering 503 so the ESP retries. ` +
          'Raise maxEntries or use a shared replay cache (PostgreSQL, Redis).',
        { retryAfterMs },
      );
    }
    this.#entries.set(key, { expiresAt, done: false });
    this.#push([expiresAt, key]);
    return 'claimed';
  }

  complete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) entry.done = true;
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
      if (this.#entries.get(key)?.expiresAt === expiresAt) this.#entries.delete(key);
    }
    // Released keys leave stale heap pairs; rebuild when they dominate so memory stays bounded.
    if (heap.length > 2 * this.#entries.size + 1024) {
      heap.length = 0;
      for (const [key, { expiresAt }] of this.#entries) this.#push([expiresAt, key]);
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
