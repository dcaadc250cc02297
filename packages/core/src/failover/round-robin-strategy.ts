import type { SelectStrategy } from './select-strategy.js';

/** Each message starts at the next backend; the rest follow in order as fallbacks. */
export class RoundRobinStrategy implements SelectStrategy {
  readonly name = 'round-robin';
  #next = 0;
  order(weights: readonly number[]): number[] {
    const count = weights.length;
    const start = this.#next % count;
    this.#next = (start + 1) % count;
    return Array.from({ length: count }, (_, i) => (start + i) % count);
  }
}
