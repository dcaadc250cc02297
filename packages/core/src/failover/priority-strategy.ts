import type { SelectStrategy } from './select-strategy.js';

/** Always the first healthy backend, then the next: primary/secondary. */
export class PriorityStrategy implements SelectStrategy {
  readonly name = 'priority';
  order(weights: readonly number[]): number[] {
    return weights.map((_, index) => index);
  }
}
