export * from './fake-esp.js';
export * from './esp-conformance.js';
