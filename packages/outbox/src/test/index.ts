export { ScriptedBackend } from './scripted-backend.js';
export { describeOutboxStoreConformance } from './outbox-store-conformance.js';
export type { OutboxStoreFixture } from './outbox-store-conformance.js';
