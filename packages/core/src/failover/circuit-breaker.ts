import type { BackendHealth, HealthStore } from './health-store.js';

export interface CircuitBreakerOptions {
  store: HealthStore;
  /** Consecutive failover-class failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker skips the backend before one probe. */
  coolDownMs: number;
  now?: () => number;
}

export type Admission = 'closed' | 'probe' | 'open';

/** Per-backend breaker: closed → open after N failures → one probe after the cool-down (half-open). */
export class CircuitBreaker {
  readonly #now: () => number;
  constructor(readonly options: CircuitBreakerOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** May this backend be tried now? A 'probe' admission blocks other probes for one cool-down. */
  async admit(key: string): Promise<Admission> {
    const health = await this.options.store.get(key);
    if (!health || health.consecutiveFailures < this.options.failureThreshold) return 'closed';
    const now = this.#now();
    if (now < health.openUntil) return 'open';
    await this.options.store.set(key, { ...health, openUntil: now + this.options.coolDownMs });
    return 'probe';
  }

  async recordSuccess(key: string): Promise<void> {
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
    return next;
  }
}
