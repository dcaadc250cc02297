import type { FailureCategory } from '../errors.js';

export type FailureAction = 'failover' | 'raise';

/**
 * What FailoverBackend does with each failure category: try the next backend, or raise.
 * Errors another ESP could avoid fail over; errors every ESP would repeat are raised at once.
 */
export const failurePolicy: Readonly<Record<FailureCategory, FailureAction>> = Object.freeze({
  network: 'failover', // not connected: this ESP is unreachable
  timeout: 'failover', // connect timeout; a timeout after the request was sent is an unknown outcome (see onUnknownOutcome)
  server: 'failover', // HTTP 5xx
  'rate-limit': 'failover', // HTTP 429
  auth: 'failover', // HTTP 401/403: this ESP's credentials or account
  configuration: 'failover', // e.g. this backend's API key is missing
  'unsupported-feature': 'failover', // another ESP may support it
  'invalid-request': 'raise', // malformed message or invalid address: every ESP would refuse it
  'recipients-refused': 'raise',
});
