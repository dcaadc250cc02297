import { AnymailAPIError, AnymailConfigurationError } from '../errors.js';

/** The timeouts of one ESP backend, resolved and checked. */
export interface EspTimeouts {
  timeoutMs: number;
  connectTimeoutMs: number;
  deadlineMs: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_CONNECT_TIMEOUT_MS = 10_000;

function checked(espName: string, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new AnymailConfigurationError(
      `${espName}: ${name} must be a positive number of milliseconds (got ${typeof value === 'number' ? value : typeof value}).`,
      { espName },
    );
  }
  return value;
}

/**
 * timeoutMs (idle: headers, then each body chunk), connectTimeoutMs, and deadlineMs (the whole
 * request). The deadline defaults to connect + idle timeout, so a slow but steady ESP still gets
 * the idle timeouts' precise errors, while one that trickles bytes forever ends at the deadline.
 */
export function resolveTimeouts(
  espName: string,
  options: { timeoutMs?: unknown; connectTimeoutMs?: unknown; deadlineMs?: unknown },
): EspTimeouts {
  const timeoutMs = checked(espName, 'timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS;
  const connectTimeoutMs = checked(espName, 'connectTimeoutMs', options.connectTimeoutMs) ?? Math.min(timeoutMs, MAX_CONNECT_TIMEOUT_MS);
  const deadlineMs = checked(espName, 'deadlineMs', options.deadlineMs) ?? timeoutMs + connectTimeoutMs;
  return { timeoutMs, connectTimeoutMs, deadlineMs };
}

/**
 * The deadline passed. `sent`: the request had started going out (a connection was assigned),
 * so the ESP may have it; before that, it certainly does not.
 */
export function deadlineError(espName: string, url: string, deadlineMs: number, sent: boolean, statusCode: number): AnymailAPIError {
  const stage = statusCode !== 0 ? 'reading the response body' : sent ? 'waiting for the response' : 'waiting for a connection';
  return new AnymailAPIError(`${espName}: no complete response within deadlineMs (${deadlineMs} ms), still ${stage}, for ${url}`, {
    code: 'ANYMAIL_TIMEOUT',
    category: 'timeout',
    deliveryUnknown: sent || statusCode !== 0,
    statusCode: statusCode === 0 ? undefined : statusCode,
    espName,
  });
}

/** One request's place in a DeadlineWheel. */
export interface DeadlineEntry {
  /** When the deadline passes (performance.now() time). */
  readonly at: number;
  /** Called once when the deadline passes; cleared when the request ends first. */
  onExpire: (() => void) | undefined;
}

/**
 * The deadlines of one transport's requests, with one timer instead of a setTimeout per request:
 * every request has the same deadlineMs, so they expire in the order they started. The timer is
 * set for the oldest pending request's deadline (exact, as a per-request timer would be), keeps
 * the process alive only while a request is pending, and stops once nothing is pending.
 */
export class DeadlineWheel {
  #timer: NodeJS.Timeout | undefined;
  #pending: DeadlineEntry[] = [];
  #head = 0;

  constructor(readonly deadlineMs: number) {}

  /** Start a request's deadline; `onExpire` runs once it passes, unless `done` came first. */
  start(onExpire: () => void): DeadlineEntry {
    const entry: DeadlineEntry = { at: performance.now() + this.deadlineMs, onExpire };
    this.#pending.push(entry);
    if (this.#timer === undefined) this.#timer = setTimeout(() => this.#onTimer(), this.deadlineMs);
    else if (this.#head === this.#pending.length - 1) this.#timer.ref();
    return entry;
  }

  /** The request ended before its deadline. */
  done(entry: DeadlineEntry): void {
    entry.onExpire = undefined;
    const pending = this.#pending;
    while (this.#head < pending.length && pending[this.#head]!.onExpire === undefined) this.#head++;
    if (this.#head === pending.length) {
      pending.length = 0;
      this.#head = 0;
      // Nothing pending: the timer no longer keeps the process alive (and stops when it fires).
      this.#timer?.unref();
    } else if (this.#head > 1024 && this.#head * 2 > pending.length) {
      this.#pending = pending.slice(this.#head);
      this.#head = 0;
    }
  }

  #onTimer(): void {
    this.#timer = undefined;
    const now = performance.now();
    const pending = this.#pending;
    while (this.#head < pending.length) {
      const entry = pending[this.#head]!;
      if (entry.onExpire !== undefined && entry.at > now) break;
      this.#head++;
      const onExpire = entry.onExpire;
      entry.onExpire = undefined;
      onExpire?.();
    }
    if (this.#head === pending.length) {
      pending.length = 0;
      this.#head = 0;
    } else this.#timer = setTimeout(() => this.#onTimer(), Math.max(1, pending[this.#head]!.at - now));
  }
}
