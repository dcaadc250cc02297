import type { SelectStrategy } from './select-strategy.js';

/** Picks the first backend at random in proportion to its weight; the rest follow by weight. */
export class WeightedStrategy implements SelectStrategy {
  readonly name = 'weighted';
  constructor(private readonly random: () => number = Math.random) {}
  order(weights: readonly number[]): number[] {
    const remaining = weights.map((weight, index) => ({ weight: Math.max(0, weight), index }));
    const order: number[] = [];
    while (remaining.length > 0) {
      const total = remaining.reduce((sum, item) => sum + item.weight, 0);
      let pick = 0;
      if (total > 0) {
        let point = this.random() * total;
        pick = remaining.findIndex((item) => (point -= item.weight) < 0);
        if (pick < 0) pick = remaining.length - 1;
      }
      order.push(remaining[pick]!.index);
      remaining.splice(pick, 1);
    }
    return order;
  }
}
