import type { BackendHealth, HealthStore } from './health-store.js';

export interface CircuitBreakerOptions {
  store: HealthStore;
  /** Consecutive failover-class failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker skips the backend before one probe. */
  coolDownMs: number;
  now?: () => number;
}

/**
 * What the breaker allows now: 'closed' (healthy), 'failing' (some consecutive failures, below
 * the threshold), 'probe' (the one half-open attempt after the cool-down), 'open' (skip it).
 */
export type Admission = 'closed' | 'failing' | 'probe' | 'open';

/**
 * Per-backend breaker: closed → open after N failures → exactly one probe after the cool-down
 * (half-open) → closed on its success, open again on its failure.
 */
export class CircuitBreaker {
  readonly #now: () => number;
  /** Keys with a probe in flight in this process; others asking meanwhile are told 'open'. */
  readonly #probing = new Set<string>();
  constructor(readonly options: CircuitBreakerOptions) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * May this backend be tried now? A 'probe' admission holds the half-open slot until
   * `endProbe` (or a recorded outcome); in the store it also pushes `openUntil` one cool-down
   * ahead, so other processes sharing the store skip the backend meanwhile.
   */
  async admit(key: string): Promise<Admission> {
    const health = await this.options.store.get(key);
    if (!health || health.consecutiveFailures === 0) return 'closed';
    if (health.consecutiveFailures < this.options.failureThreshold) return 'failing';
    const now = this.#now();
    if (now < health.openUntil) return 'open';
    // Checked and taken with no await in between: concurrent callers cannot both see it free.
    if (this.#probing.has(key)) return 'open';
    this.#probing.add(key);
    try {
      await this.options.store.set(key, { ...health, openUntil: now + this.options.coolDownMs });
    } catch (error) {
      this.#probing.delete(key);
      throw error;
    }
    return 'probe';
  }

  /** Give the half-open slot back (the probe ended without a verdict on the backend's health). */
  endProbe(key: string): void {
    this.#probing.delete(key);
  }

  async recordSuccess(key: string): Promise<void> {
    this.#probing.delete(key);
    const health = await this.options.store.get(key);
    if (health && (health.consecutiveFailures > 0 || health.openUntil > 0)) {
      await this.options.store.set(key, { consecutiveFailures: 0, openUntil: 0 });
    }
  }

  async recordFailure(key: string): Promise<BackendHealth> {
    const health = (await this.options.store.get(key)) ?? { consecutiveFailures: 0, openUntil: 0 };
    const failures = health.consecutiveFailures + 1;
    const next: BackendHealth = {
      consecutiveFailures: failures,
      openUntil: failures >= this.options.failureThreshold ? this.#now() + this.options.coolDownMs : 0,
    };
    await this.options.store.set(key, next);
    this.#probing.delete(key);
    return next;
  }
}
