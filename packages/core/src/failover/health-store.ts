/** Circuit-breaker state of one backend. */
export interface BackendHealth {
  consecutiveFailures: number;
  /** Epoch ms until which the backend is skipped (0 = closed). */
  openUntil: number;
}

/**
 * Where breaker state lives. The in-memory default serves one process; a shared store
 * (e.g. the outbox's database) lets many workers agree that an ESP is down.
 */
export interface HealthStore {
  get(key: string): BackendHealth | undefined | Promise<BackendHealth | undefined>;
  set(key: string, health: BackendHealth): void | Promise<void>;
}

export class MemoryHealthStore implements HealthStore {
  readonly #map = new Map<string, BackendHealth>();
  get(key: string): BackendHealth | undefined {
    return this.#map.get(key);
  }
  set(key: string, health: BackendHealth): void {
    this.#map.set(key, health);
  }
}
