/**
 * The outbox's settings: post_office's README settings, in camelCase, with its defaults
 * where they make sense. Resolved once by `createOutbox`.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { AnymailConfigurationError, type AliasSpec } from '@anymail/core';
import type { OutboxDatabaseOption, SqliteSynchronous } from './outbox-database.js';
import type { PriorityName } from './outbox-schema.js';
import { secretKeyOf } from './outbox-secrets.js';

/** Turns a template context into text for the `context` column, and back. */
export interface ContextSerializer {
  serialize(context: Record<string, unknown>): string;
  deserialize(text: string): Record<string, unknown>;
}

/** Where the outbox says what it does (what post_office logs): `console`, a pino logger, … */
export interface OutboxLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type SendingOrderField = 'priority' | '-priority' | 'id' | '-id' | 'created' | '-created' | 'scheduledTime' | '-scheduledTime';

export interface OutboxSettings {
  /** `'sqlite:./mail.db'`, `'postgres://…'`, a pg Pool, a better-sqlite3 Database, or a Kysely instance. */
  database: OutboxDatabaseOption;
  /**
   * Backends by alias; `default` is used when an email names none (post_office's BACKENDS).
   * Each is what core's `getConnection` takes: an instance, a backend class, an alias from
   * `configure({ backends })`, a module specifier (`'@anymail/postmark'`), or
   * `{ backend, options }`. `createOutbox` resolves and checks them all.
   */
  backends: Record<string, AliasSpec>;
  /** PostgreSQL schema holding the tables (created by `migrate()`). @default the search_path */
  schema?: string;
  /**
   * Run `migrate()` in `createOutbox`. @default true for a `sqlite:` URL (the embedded
   * default: the outbox owns the file), false otherwise (run `anymail-outbox migrate` as a
   * deploy step, where several workers share one database).
   */
  autoMigrate?: boolean;
  /** Connections in the pool made from a postgres URL. @default 10 */
  poolSize?: number;
  /**
   * SQLite `synchronous` for a file opened from a `sqlite:` URL. `'full'` (default): a
   * resolved `send()` survives a power loss or OS crash. `'normal'`: faster commits, but the
   * last ones may be lost then (a process crash loses nothing either way).
   */
  sqliteSynchronous?: SqliteSynchronous;
  /** Emails claimed per batch (BATCH_SIZE). @default 100 */
  batchSize?: number;
  /** Sends in flight at once per outbox (THREADS_PER_PROCESS). @default 8 */
  concurrency?: number;
  /**
   * Most emails per request to a backend with a batch endpoint (Postmark's /email/batch):
   * each chunk is one `sendMessages(chunk)`, and counts as one send against `concurrency`.
   * 1 sends every email on its own. @default 50
   */
  espBatchSize?: number;
  /** DEFAULT_PRIORITY. @default 'medium' */
  defaultPriority?: PriorityName;
  /**
   * OVERRIDE_RECIPIENTS: at delivery, `to` is replaced by these (the stored email keeps its
   * own). As in post_office, cc and bcc are kept: clear them too if they must not be reached.
   */
  overrideRecipients?: readonly string[];
  /** MESSAGE_ID_ENABLED: give each email a Message-ID header at enqueue. @default false */
  messageIdEnabled?: boolean;
  /** MESSAGE_ID_FQDN: the domain part of generated Message-IDs. @default os.hostname() */
  messageIdFqdn?: string;
  /** MAX_RETRIES: how often a retryable failure is requeued. @default 0 */
  maxRetries?: number;
  /** RETRY_INTERVAL, in milliseconds. @default 900000 (15 minutes) */
  retryIntervalMs?: number;
  /**
   * Retry errors whose `deliveryUnknown` is true (the ESP may have accepted the message,
   * so a retry may deliver twice). @default false: recorded as failed, with the reason.
   */
  retryDeliveryUnknown?: boolean;
  /** LOG_LEVEL: 0 no logs, 1 failures only, 2 failures and successes. @default 2 */
  logLevel?: 0 | 1 | 2;
  /** SENDING_ORDER: claim order. @default ['-priority'] (then id) */
  sendingOrder?: readonly SendingOrderField[];
  /** CONTEXT_FIELD_CLASS counterpart: how render-on-delivery contexts are stored. @default JSON */
  contextSerializer?: ContextSerializer;
  /** How long a claim lasts; a worker that dies releases its mail when it expires. @default 300000 */
  leaseMs?: number;
  /**
   * How long one send may take before its lease stops being renewed (an ESP trickling its
   * answer): after that, once the lease runs out, another worker may take the mail (logged
   * as LeaseExpired). Keep it above your backends' `timeoutMs`. @default 120000
   */
  sendTimeoutMs?: number;
  /** Worker poll interval, when no notification wakes it. @default 5000 */
  pollIntervalMs?: number;
  /** Keep attachment bytes as files in this directory instead of in the database. */
  attachmentsDir?: string;
  /** Directory `{% inline_image 'logo.png' %}` reads images from (paths cannot leave it). */
  templateImagesDir?: string;
  /**
   * Send the default template when the requested language has no translation. post_office
   * raises instead, and so does the outbox by default. @default false
   */
  templateLanguageFallback?: boolean;
  /** How long a rendered template stays cached; 0 disables the cache. @default 60000 */
  templateCacheMs?: number;
  /** PostgreSQL: NOTIFY workers on enqueue and LISTEN in `work()`. @default true */
  notify?: boolean;
  /**
   * Key for credentials a message carries in `espExtra` (Postmark's per-message
   * `serverToken`, say): they are stored sealed with AES-256-GCM under it. Without it, such
   * a message is refused at enqueue, since the outbox never stores a credential in clear.
   * A long random string (e.g. `openssl rand -base64 32`), the same for every worker.
   */
  secretKey?: string | Uint8Array;
  /**
   * Told of each drain's totals (info), failed or resent mail (warn) and database trouble in
   * a worker (error). Messages hold no credentials. @default silent
   */
  logger?: OutboxLogger;
  /** Names this process in leases and logs. @default `${hostname}:${pid}:${random}` */
  workerId?: string;
}

type OptionalSetting = 'logger' | 'secretKey' | 'autoMigrate' | 'sqliteSynchronous' | 'schema' | 'attachmentsDir' | 'overrideRecipients' | 'database' | 'templateImagesDir';
export type ResolvedOutboxSettings = Required<Omit<OutboxSettings, OptionalSetting>> &
  Pick<OutboxSettings, OptionalSetting> & {
    /** The AES key derived from `secretKey`. */
    readonly sealKey: Buffer | undefined;
  };

const jsonSerializer: ContextSerializer = {
  serialize: (context) => JSON.stringify(context),
  deserialize: (text) => JSON.parse(text) as Record<string, unknown>,
};

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new AnymailConfigurationError(`Outbox setting \`${name}\` must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${value}).`);
  }
  return value;
}

export function checkLogLevel(logLevel: number): 0 | 1 | 2 {
  if (logLevel !== 0 && logLevel !== 1 && logLevel !== 2) throw new AnymailConfigurationError(`Outbox \`logLevel\` must be 0, 1 or 2 (got ${logLevel}).`);
  return logLevel;
}

export function resolveSettings(settings: OutboxSettings): ResolvedOutboxSettings {
  if (!settings.backends || !settings.backends['default']) {
    throw new AnymailConfigurationError("Outbox `backends` needs a 'default' backend, e.g. backends: { default: new PostmarkBackend() }.");
  }
  const logLevel = checkLogLevel(settings.logLevel ?? 2);
  return {
    database: settings.database,
    backends: settings.backends,
    schema: settings.schema,
    sqliteSynchronous: settings.sqliteSynchronous,
    autoMigrate: settings.autoMigrate ?? (typeof settings.database === 'string' && settings.database.startsWith('sqlite:')),
    poolSize: positive('poolSize', settings.poolSize ?? 10),
    batchSize: positive('batchSize', settings.batchSize ?? 100),
    concurrency: positive('concurrency', settings.concurrency ?? 8),
    espBatchSize: positive('espBatchSize', settings.espBatchSize ?? 50),
    defaultPriority: settings.defaultPriority ?? 'medium',
    overrideRecipients: settings.overrideRecipients,
    messageIdEnabled: settings.messageIdEnabled ?? false,
    messageIdFqdn: settings.messageIdFqdn ?? hostname(),
    maxRetries: positive('maxRetries', settings.maxRetries ?? 0, true),
    retryIntervalMs: positive('retryIntervalMs', settings.retryIntervalMs ?? 15 * 60_000, true),
    retryDeliveryUnknown: settings.retryDeliveryUnknown ?? false,
    logLevel,
    sendingOrder: settings.sendingOrder ?? ['-priority'],
    contextSerializer: settings.contextSerializer ?? jsonSerializer,
    leaseMs: positive('leaseMs', settings.leaseMs ?? 300_000),
    sendTimeoutMs: positive('sendTimeoutMs', settings.sendTimeoutMs ?? 120_000),
    pollIntervalMs: positive('pollIntervalMs', settings.pollIntervalMs ?? 5_000),
    attachmentsDir: settings.attachmentsDir,
    templateImagesDir: settings.templateImagesDir,
    templateCacheMs: positive('templateCacheMs', settings.templateCacheMs ?? 60_000, true),
    notify: settings.notify ?? true,
    templateLanguageFallback: settings.templateLanguageFallback ?? false,
    secretKey: settings.secretKey,
    logger: settings.logger,
    sealKey: secretKeyOf(settings.secretKey),
    workerId: settings.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  };
}
