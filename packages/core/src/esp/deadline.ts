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
