// @anymail/core/test: helpers for any test runner (vitest, Jest, node:test). Nothing here imports
// a test framework; the vitest conformance suite is @anymail/core/test/vitest.
export * from './fake-esp.js';
export * from './feature-samples.js';
