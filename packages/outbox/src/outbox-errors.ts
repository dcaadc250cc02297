/** The outbox's own errors: each names the problem and the fix. */
import { AnymailError } from '@anymail/core';

/** An email the outbox refuses to queue (no recipients, a bad field, a value it cannot keep). */
export class OutboxInvalidEmail extends AnymailError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'ANYMAIL_OUTBOX_INVALID_EMAIL', category: 'invalid-request', ...options });
  }
}

/**
 * The outbox's database failed (unreachable, locked, full, a dropped connection). The
 * driver's error is the `cause`; `retryable` says whether waiting may help.
 */
export class OutboxDatabaseError extends AnymailError {
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { code: 'ANYMAIL_OUTBOX_DATABASE', category: options.retryable === false ? 'configuration' : 'network', cause: options.cause });
  }
}

/** The outbox's tables are missing or older than this version needs. */
export class OutboxNotMigrated extends OutboxDatabaseError {
  constructor(detail: string, cause: unknown) {
    super(`The outbox's tables are missing or out of date (${detail}). Run \`await outbox.migrate()\` or \`anymail-outbox migrate\` first.`, {
      cause,
      retryable: false,
    });
  }
}

interface DriverError {
  message?: string;
  code?: string;
}

/** PostgreSQL SQLSTATEs for a missing table or column. */
const PG_UNDEFINED = new Set(['42P01', '42703', '3F000']);
/** SQLSTATE classes that mean the connection or server went away (or is starting/stopping). */
const PG_CONNECTION_CLASSES = ['08', '57', '53'];
const NODE_CONNECTION = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * A driver error as an outbox error naming the cause and what was being done; Anymail
 * errors and programming errors pass through unchanged.
 */
export function outboxDatabaseError(error: unknown, doing: string): unknown {
  if (AnymailError.isInstance(error) || typeof error !== 'object' || error === null) return error;
  const { message = String(error), code } = error as DriverError;
  const name = (error as Error).name ?? '';
  if ((code && PG_UNDEFINED.has(code)) || /no such table|no such column|has no column named/i.test(message)) {
    return new OutboxNotMigrated(message, error);
  }
  const sqlite = name === 'SqliteError' || (code ?? '').startsWith('SQLITE_');
  const connection =
    (code !== undefined && (NODE_CONNECTION.has(code) || PG_CONNECTION_CLASSES.some((c) => code.startsWith(c)))) ||
    /Connection terminated|connection .*(closed|lost|ended)|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
  if (!sqlite && !connection) return error;
  const hint =
    code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
      ? ' Another process holds the SQLite file locked; it is retried on the next drain.'
      : code === 'SQLITE_FULL'
        ? ' The disk is full.'
        : connection
          ? ' The database is unreachable or dropped the connection; the worker retries with backoff.'
          : '';
  return new OutboxDatabaseError(`Outbox database error while ${doing}: ${message}${code ? ` (${code})` : ''}.${hint}`, {
    cause: error,
    retryable: connection || code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_FULL',
  });
}

/** Run `task`, turning driver errors into outbox errors. */
export async function withDatabase<T>(doing: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    throw outboxDatabaseError(error, doing);
  }
}

/** A template that does not compile or render; names the template, the field and the line. */
export class OutboxTemplateError extends AnymailError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'ANYMAIL_OUTBOX_TEMPLATE', category: 'configuration', ...options });
  }
}

/** A LiquidJS error as an OutboxTemplateError naming where it is. */
export function templateError(error: unknown, where: { name: string; language: string; field: string }, doing: 'compile' | 'render'): OutboxTemplateError {
  const text = error instanceof Error ? error.message : String(error);
  const line = /line:(\d+)/.exec(text)?.[1];
  const language = where.language ? ` (language '${where.language}')` : '';
  return new OutboxTemplateError(
    `Outbox template '${where.name}'${language} does not ${doing}: ${where.field}${line ? `, line ${line}` : ''}: ${text.split('\n')[0]}`,
    { cause: error },
  );
}
