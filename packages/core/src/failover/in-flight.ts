import { AnymailConfigurationError } from '../errors.js';
import type { Admission, CircuitBreaker } from './circuit-breaker.js';

/** How an attempt ended, for the backend's health: it sent, it failed over, or neither (e.g. a 400). */
export type Verdict = 'success' | 'failure' | 'none';

/** An admitted attempt; call `release` exactly once when it ends. */
export interface Slot {
  release(verdict: Verdict): void;
}

/**
 * Not admitted. 'wait': the backend's first attempt is out; wait for its verdict, then ask again.
 * 'busy': failing with its trials out; try other backends first, and if none sends, wait for the
 * verdict of its next attempt to end (`verdict`).
 */
export interface Refusal {
  kind: 'wait' | 'busy';
  verdict: Promise<Verdict>;
}

interface Flight {
  inFlight: number;
  /** A send through this backend succeeded in this process. */
  proven: boolean;
  /** Verdict of the first attempt of a backend not yet proven, while it is out. */
  trial: Promise<Verdict> | undefined;
  /** Callers waiting for the next attempt to end, while some wait. */
  next: { promise: Promise<Verdict>; resolve: (verdict: Verdict) => void } | undefined;
}

/**
 * In-flight bounds per backend, in this process, on top of the breaker:
 * - a healthy backend that has answered before: no bound;
 * - a backend not proven yet (nothing sent through it since start): one attempt first, and the
 *   concurrent callers wait for its verdict, so a never-answering ESP costs one unknown outcome,
 *   not one per caller, and a healthy one keeps its whole burst;
 * - a failing backend (failures, breaker still closed): at most `maxWhileFailing` attempts at
 *   once; the others are refused as 'busy' (FailoverBackend moves on to the next backend, and
 *   comes back to wait for the trial's verdict only when no other backend sent);
 * - a probe: the breaker already admits only one.
 */
export class InFlightLimiter {
  readonly #flights = new Map<string, Flight>();
  constructor(readonly maxWhileFailing: number) {
    if (!Number.isInteger(maxWhileFailing) || maxWhileFailing < 1) {
      throw new AnymailConfigurationError(
        `FailoverBackend: maxInFlightWhileFailing must be a positive integer (got ${String(maxWhileFailing)}).`,
      );
    }
  }

  enter(key: string, admission: Exclude<Admission, 'open'>): Slot | Refusal {
    let flight = this.#flights.get(key);
    if (!flight) {
      flight = { inFlight: 0, proven: false, trial: undefined, next: undefined };
      this.#flights.set(key, flight);
    }
    if (admission === 'failing' && flight.inFlight >= this.maxWhileFailing) {
      if (!flight.next) {
        let resolve!: (verdict: Verdict) => void;
        const promise = new Promise<Verdict>((settle) => (resolve = settle));
        flight.next = { promise, resolve };
      }
      return { kind: 'busy', verdict: flight.next.promise };
    }
    if (admission === 'closed' && !flight.proven) {
      if (flight.trial) return { kind: 'wait', verdict: flight.trial };
      let settle!: (verdict: Verdict) => void;
      flight.trial = new Promise<Verdict>((resolve) => (settle = resolve));
      return this.#slot(flight, (verdict) => {
        flight.trial = undefined;
        settle(verdict);
      });
    }
    return this.#slot(flight);
  }

  #slot(flight: Flight, onEnd?: (verdict: Verdict) => void): Slot {
    flight.inFlight++;
    let released = false;
    return {
      release(verdict) {
        if (released) return;
        released = true;
        flight.inFlight--;
        if (verdict === 'success') flight.proven = true;
        onEnd?.(verdict);
        const next = flight.next;
        flight.next = undefined;
        next?.resolve(verdict);
      },
    };
  }
}

/** Why a backend was skipped; for 'busy', the verdict of its next attempt to end. */
export type Skip = { skip: 'open' } | { skip: 'busy'; verdict: Promise<Verdict> | undefined };

/**
 * Admission of one backend for one attempt: the breaker's state, then the in-flight bounds.
 * 'open': cooling down, or its one probe is out. 'busy': failing with its trials out, or its
 * first attempt failed while this caller waited. A backend whose first attempt is still out is
 * waited for, then asked again.
 */
export async function enterBackend(breaker: CircuitBreaker, limiter: InFlightLimiter, key: string): Promise<(Slot & { probe: boolean }) | Skip> {
  for (;;) {
    const admission = await breaker.admit(key);
    if (admission === 'open') return { skip: 'open' };
    const entry = limiter.enter(key, admission);
    if ('release' in entry) {
      const probe = admission === 'probe';
      return {
        probe,
        release: (verdict) => {
          entry.release(verdict);
          if (probe) breaker.endProbe(key);
        },
      };
    }
    if (entry.kind === 'busy') return { skip: 'busy', verdict: entry.verdict };
    if ((await entry.verdict) === 'failure') return { skip: 'busy', verdict: undefined };
  }
}

/**
 * The backends to try for one message: the strategy's order first; then each backend skipped as
 * busy (failing, its trial out), once, after its trial's verdict, unless that verdict is a
 * failure. Waiting beats failing at once when no other backend sent.
 */
export class AttemptQueue {
  readonly #pending: number[];
  readonly #busy: Array<{ index: number; verdict: Promise<Verdict> }> = [];
  readonly #deferred = new Set<number>();
  constructor(order: readonly number[]) {
    this.#pending = [...order];
  }

  /** Come back to this backend after `verdict`, if nothing else sends first (once per backend). */
  deferUntil(index: number, verdict: Promise<Verdict>): void {
    if (this.#deferred.has(index)) return;
    this.#deferred.add(index);
    this.#busy.push({ index, verdict });
  }

  async next(): Promise<number | undefined> {
    for (;;) {
      const index = this.#pending.shift();
      if (index !== undefined) return index;
      const waiting = this.#busy.shift();
      if (!waiting) return undefined;
      if ((await waiting.verdict) !== 'failure') return waiting.index;
    }
  }
}
