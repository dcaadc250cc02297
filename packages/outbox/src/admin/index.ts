/** The outbox admin web app: `createOutboxAdmin()` and its option types. */
export { createOutboxAdmin } from './admin-app.js';
export type { OutboxAdmin, OutboxAdminOptions, AdminLogEntry } from './admin-app.js';
export type { OutboxAdminAuth } from './admin-auth.js';
