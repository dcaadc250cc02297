// @anymail/core/test/vitest: the ESP conformance suite, written with vitest's describe/it/expect.
export * from './esp-conformance.js';
export * from './webhook-conformance.js';
export * from './injection-conformance.js';
export * from './index.js';
