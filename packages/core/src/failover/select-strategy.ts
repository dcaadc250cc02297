/** Orders the candidate backends for one message. One implementation per file. */
export interface SelectStrategy {
  readonly name: string;
  /** Indexes into `weights` (one per backend), in the order to try them. */
  order(weights: readonly number[]): number[];
}
