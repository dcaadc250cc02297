import type { SendAttempt } from '../status.js';

/** `error.attempts` after FailoverBackend raised. */
export function failoverAttempts(error: unknown): SendAttempt[] | undefined {
  const attempts = (error as { attempts?: unknown } | null)?.attempts;
  return Array.isArray(attempts) ? (attempts as SendAttempt[]) : undefined;
}
