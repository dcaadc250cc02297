export * from './fake-esp.js';
export * from './esp-conformance.js';
export * from './webhook-conformance.js';
export * from './injection-conformance.js';
