// @anymail/core/test: helpers for any test runner (vitest, Jest, node:test). Nothing here imports
// a test framework; the vitest conformance suite is @anymail/core/test/vitest.
export * from './fake-esp.js';
export { enableTestNetworkGuard, disableTestNetworkGuard, testNetworkGuardState, isNonPublicHost } from '../esp/test-network-guard.js';
export * from './feature-samples.js';
export * from './message-fixtures.js';
