export * from './fake-esp.js';
export { enableTestNetworkGuard, disableTestNetworkGuard, testNetworkGuardState, isNonPublicHost } from '../esp/test-network-guard.js';
export * from './esp-conformance.js';
export * from './webhook-conformance.js';
export * from './injection-conformance.js';
