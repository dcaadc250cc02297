/**
 * Settings for the `anymail-outbox` CLI (`--config ./outbox.config.ts`) and for main.ts.
 * Swap ConsoleBackend for an ESP backend (PostmarkBackend, SesBackend, …) in production,
 * and point ANYMAIL_OUTBOX_DATABASE_URL at PostgreSQL to run many workers.
 */
import { ConsoleBackend } from '@anymail/core';
import type { OutboxSettings } from '@anymail/outbox';

export default (): OutboxSettings => ({
  database: process.env['ANYMAIL_OUTBOX_DATABASE_URL'] ?? 'sqlite:./.data/mail.db',
  backends: { default: new ConsoleBackend() },
  batchSize: 100,
  concurrency: 16,
  maxRetries: 3,
  retryIntervalMs: 60_000,
  messageIdEnabled: true,
  logLevel: 1,
});
