/**
 * `createOutbox()`: the queue's public face. Enqueue in one insert, deliver from
 * `sendQueued()` or a long-running `work()`, keep logs, clean up.
 */
import type { Kysely } from 'kysely';
import { AnymailConfigurationError, BaseEmailBackend, getConnection, type AliasSpec, type BackendSpec } from '@anymail/core';
import { deleteOrphanAttachments } from './outbox-attachments.js';
import { claimDue } from './outbox-claim.js';
import { kyselyForTransaction, resolveDatabase, type OutboxTransaction, type ResolvedDatabase } from './outbox-database.js';
import { deliverClaimed, SendLimiter, type SendReport } from './outbox-delivery.js';
import { toOutboxEmail, type OutboxEmail } from './outbox-email.js';
import { INSERT_CHUNK, insertEmails, prepareEmail, type EnqueueContext, type OutboxSendInput } from './outbox-enqueue.js';
import { migrateOutbox } from './outbox-migrations.js';
import type { OutboxDatabase } from './outbox-schema.js';
import { checkLogLevel, resolveSettings, type OutboxSettings, type ResolvedOutboxSettings } from './outbox-settings.js';
import { withDatabase } from './outbox-errors.js';
import { emailQueued } from './outbox-signals.js';
import { GroupCommit } from './outbox-group-commit.js';
import { OutboxHealthStore } from './outbox-health-store.js';
import { cancelEmails, expireEmails, requeueEmails, type CancelFilter, type OperationLog, type RequeueFilter } from './outbox-operations.js';
import { resendEmail } from './outbox-resend.js';
import { makeTrackingReceiver, type OutboxTrackingReceiver } from './outbox-tracking.js';
import { OutboxTemplates } from './outbox-templates.js';
import { runWorker, type WorkOptions } from './outbox-worker.js';

export interface EnqueueOptions {
  /** The caller's open transaction: the email exists exactly when it commits. */
  transaction?: OutboxTransaction;
  /** post_office's `log_level` for mail delivered at once (priority `now`). @default the logLevel setting */
  logLevel?: 0 | 1 | 2;
}

export interface SendQueuedOptions {
  batchSize?: number;
  concurrency?: number;
  /** Stop after this many emails have been claimed. */
  limit?: number;
  /** Called after each batch with the running totals. */
  onProgress?: (report: SendReport) => void;
  /** post_office's `send_queued(log_level=…)` for this run. @default the logLevel setting */
  logLevel?: 0 | 1 | 2;
}

export interface CleanupOptions {
  /** Delete emails created more than this many days ago. @default 90 */
  days?: number;
  /** Also delete attachments no email uses any more (post_office's --delete-attachments). @default false */
  deleteAttachments?: boolean;
}

export class Outbox {
  readonly settings: ResolvedOutboxSettings;
  readonly templates: OutboxTemplates;
  readonly #database: ResolvedDatabase;
  readonly #opened = new Map<string, Promise<BaseEmailBackend>>();
  readonly #resolved = new Map<string, Promise<BaseEmailBackend>>();
  readonly #toClose: BaseEmailBackend[] = [];
  #closed = false;
  #groupCommitter: GroupCommit | undefined;

  get #groupCommit(): GroupCommit {
    return (this.#groupCommitter ??= new GroupCommit(this.db));
  }

  constructor(settings: OutboxSettings) {
    this.settings = resolveSettings(settings);
    this.#database = resolveDatabase(settings.database, { schema: settings.schema, poolSize: this.settings.poolSize, sqliteSynchronous: this.settings.sqliteSynchronous });
    this.templates = new OutboxTemplates(() => this.db, this.settings.templateCacheMs, this.settings.templateImagesDir, this.settings.templateLanguageFallback);
  }

  /** The Kysely instance over the outbox's tables (for queries of your own). */
  get db(): Kysely<OutboxDatabase> {
    return this.#database.db;
  }

  get dialect() {
    return this.#database.dialect;
  }

  /** Create or update the tables. Resolves to the migrations that ran. */
  async migrate(): Promise<string[]> {
    return migrateOutbox(this.#database.rootDb, this.dialect, this.settings.schema);
  }

  /** Queue one email (post_office's `mail.send`). Priority `now` delivers it before resolving. */
  async send(input: OutboxSendInput, options: EnqueueOptions = {}): Promise<OutboxEmail> {
    const [email] = await withDatabase('queueing an email', () => this.#enqueue([input], options));
    if (email!.priority === 'now' && options.transaction === undefined) return (await this.#deliverNow([email!], options.logLevel))[0]!;
    return email!;
  }

  /** Queue many emails in a few statements (post_office's `send_many`). */
  async sendMany(inputs: readonly OutboxSendInput[], options: EnqueueOptions = {}): Promise<OutboxEmail[]> {
    const emails = await withDatabase('queueing emails', () => this.#enqueue(inputs, options));
    const now = emails.filter((email) => email.priority === 'now');
    if (now.length === 0 || options.transaction !== undefined) return emails;
    const delivered = new Map((await this.#deliverNow(now, options.logLevel)).map((email) => [email.id, email]));
    return emails.map((email) => delivered.get(email.id) ?? email);
  }

  /**
   * Deliver due emails in batches until none is left. Up to three batches overlap, so sends
   * stay at `concurrency` while the next batch is claimed and the last one recorded.
   */
  async sendQueued(options: SendQueuedOptions = {}): Promise<SendReport> {
    return withDatabase('delivering queued mail', () => this.#sendQueued(options));
  }

  async #sendQueued(options: SendQueuedOptions): Promise<SendReport> {
    await expireEmails(this.db, Date.now());
    const batchSize = options.batchSize ?? this.settings.batchSize;
    const context = this.#deliveryContext(options.concurrency, options.logLevel);
    const totals: SendReport = { sent: 0, failed: 0, requeued: 0 };
    const inFlight: Array<Promise<void>> = [];
    // A failed batch is remembered, not left as a rejected promise nobody awaits yet (Node
    // would end the process on the unhandled rejection); no new batch is claimed after it.
    let failure: { error: unknown } | undefined;
    let claimed = 0;
    // Only mail due when the run starts: a retry requeued during the run is due at least
    // 1 ms after it was requeued, so it waits for the next run even with retryIntervalMs 0.
    const startedAt = Date.now();
    try {
      while (failure === undefined && (options.limit === undefined || claimed < options.limit)) {
        const limit = options.limit === undefined ? batchSize : Math.min(batchSize, options.limit - claimed);
        const rows = await claimDue(this.db, {
          dialect: this.dialect,
          workerId: this.settings.workerId,
          leaseMs: this.settings.leaseMs,
          limit,
          sendingOrder: this.settings.sendingOrder,
          now: Date.now(),
          dueAt: startedAt,
        });
        if (rows.length === 0) break;
        claimed += rows.length;
        const batch = deliverClaimed(this.db, rows, context).then(
          (report) => {
            totals.sent += report.sent;
            totals.failed += report.failed;
            totals.requeued += report.requeued;
            options.onProgress?.({ ...totals });
          },
          (error: unknown) => {
            failure ??= { error };
          },
        );
        inFlight.push(batch);
        if (inFlight.length >= 3) await inFlight.shift();
      }
    } finally {
      await Promise.all(inFlight);
    }
    if (failure) throw failure.error;
    if (claimed > 0) this.settings.logger?.info(`Outbox drained ${claimed} emails: sent ${totals.sent}, failed ${totals.failed}, requeued ${totals.requeued}.`);
    return totals;
  }

  /** Deliver until `signal` aborts; wakes on PostgreSQL NOTIFY or every `pollIntervalMs`. */
  async work(options: WorkOptions = {}): Promise<SendReport> {
    return runWorker(this, this.#database.pool, options);
  }

  /** Delete old emails (and their logs), and attachments no email uses. */
  async cleanup(options: CleanupOptions = {}): Promise<{ emails: number; attachments: number }> {
    return withDatabase('cleaning up', async () => {
      const cutoff = Date.now() - (options.days ?? 90) * 86_400_000;
      const deleted = await this.db.deleteFrom('outbox_email').where('created', '<', cutoff).executeTakeFirst();
      const attachments = options.deleteAttachments !== true ? 0 : await deleteOrphanAttachments(this.db, this.settings.attachmentsDir);
      return { emails: Number(deleted.numDeletedRows), attachments };
    });
  }

  /**
   * Queue emails again (post_office's requeue): by default every `failed` one; filter by
   * status, creation date, recipient or ids. They are due at once with their retries reset.
   * Resolves to how many were requeued. Mail a worker holds right now is never touched.
   */
  async requeue(filter: RequeueFilter = {}, log?: OperationLog): Promise<number> {
    return withDatabase('requeueing emails', () => requeueEmails(this.db, filter, Date.now(), log));
  }

  /**
   * Cancel unsent emails (status becomes `failed`, so no worker sends them): by default every
   * `queued` or `requeued` one; same filters as `requeue`. Resolves to how many were cancelled.
   */
  async cancel(filter: CancelFilter = {}, log?: OperationLog): Promise<number> {
    return withDatabase('cancelling emails', () => cancelEmails(this.db, filter, Date.now(), log));
  }

  /**
   * Queue a copy of email `id` (same content, recipients, attachments) as a new email with a
   * new Message-ID. Resolves to the copy's id, or undefined when `id` does not exist.
   */
  async resend(id: number, log?: OperationLog): Promise<number | undefined> {
    return withDatabase('resending an email', () => resendEmail(this.db, id, Date.now(), this.settings.messageIdFqdn, log));
  }

  /** One email by id, or undefined. */
  async get(id: number): Promise<OutboxEmail | undefined> {
    const row = await withDatabase('reading an email', () => this.db.selectFrom('outbox_email').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toOutboxEmail(row);
  }

  /** An email's log lines, oldest first. */
  async logs(emailId: number) {
    const rows = await withDatabase('reading logs', () => this.db.selectFrom('outbox_log').selectAll().where('email_id', '=', emailId).orderBy('id').execute());
    return rows.map((row) => ({ status: row.status, exceptionType: row.exception_type, message: row.message, date: new Date(Number(row.date)) }));
  }

  /**
   * A receiver for core's `tracking` signal (`tracking.connect(outbox.trackingReceiver())`), or
   * to call from a webhook's `onEvent` as `receiver({ event })`: applies each event to the
   * email the ESP's message id belongs to, forward only. `receiver.stats` counts applied,
   * unchanged, unknown and ignored events.
   */
  trackingReceiver(): OutboxTrackingReceiver {
    return makeTrackingReceiver(() => this.db);
  }

  /**
   * A FailoverBackend health store on this outbox's database:
   * `new FailoverBackend({ backends, healthStore: outbox.healthStore() })` makes every worker
   * share one circuit breaker per ESP. Reads are cached for `cacheMs` (default 250 ms).
   */
  healthStore(options: { cacheMs?: number } = {}): OutboxHealthStore {
    return new OutboxHealthStore(() => this.db, options.cacheMs);
  }

  /** Each recipient of a sent email: the ESP's id for it and its furthest status. */
  async recipients(emailId: number): Promise<Array<{ recipient: string; espName: string; espMessageId: string | null; status: string; updated: Date }>> {
    const rows = await withDatabase('reading recipients', () =>
      this.db.selectFrom('outbox_recipient').selectAll().where('email_id', '=', emailId).orderBy('recipient').execute(),
    );
    return rows.map((row) => ({ recipient: row.recipient, espName: row.esp_name, espMessageId: row.esp_message_id, status: row.status, updated: new Date(Number(row.updated)) }));
  }

  /** Close backends this outbox opened, and the database if the outbox made it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#opened.values());
    this.#opened.clear();
    for (const backend of this.#toClose.splice(0)) await backend.close();
    await this.#database.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #enqueue(inputs: readonly OutboxSendInput[], options: EnqueueOptions): Promise<OutboxEmail[]> {
    if (inputs.length === 0) return [];
    const db = options.transaction === undefined ? this.db : kyselyForTransaction(options.transaction, this.dialect, this.settings.schema);
    const context: EnqueueContext = { db, settings: this.settings, templates: this.templates, dialect: this.dialect };
    const now = Date.now();
    const prepared = await Promise.all(inputs.map((input) => prepareEmail(input, context, now)));
    const hasAttachments = prepared.some((p) => p.attachments.length > 0);
    let emails: OutboxEmail[];
    if (options.transaction !== undefined) {
      emails = await insertEmails(db, prepared, context, now);
    } else if (this.dialect === 'sqlite') {
      emails = await this.#groupCommit.insert(prepared, context);
    } else if (prepared.length > INSERT_CHUNK || hasAttachments) {
      emails = await this.db.transaction().execute((trx) => insertEmails(trx, prepared, context, now));
    } else {
      emails = await insertEmails(this.db, prepared, context, now);
    }
    if (emailQueued.hasListeners(this)) await emailQueued.send(this, { emails });
    return emails;
  }

  async #deliverNow(emails: OutboxEmail[], logLevel?: 0 | 1 | 2): Promise<OutboxEmail[]> {
    const rows = await claimDue(this.db, {
      dialect: this.dialect,
      workerId: this.settings.workerId,
      leaseMs: this.settings.leaseMs,
      limit: emails.length,
      sendingOrder: this.settings.sendingOrder,
      now: Date.now(),
      ids: emails.map((email) => email.id),
    });
    if (rows.length) await deliverClaimed(this.db, rows, this.#deliveryContext(undefined, logLevel));
    const fresh = await this.db.selectFrom('outbox_email').selectAll().where('id', 'in', emails.map((e) => e.id)).execute();
    return fresh.map(toOutboxEmail).sort((a, b) => a.id - b.id);
  }

  #deliveryContext(concurrency?: number, logLevel?: 0 | 1 | 2) {
    let settings = this.settings;
    if (concurrency !== undefined) settings = { ...settings, concurrency };
    if (logLevel !== undefined) settings = { ...settings, logLevel: checkLogLevel(logLevel) };
    return {
      settings,
      limiter: new SendLimiter(settings.concurrency),
      turn: { last: Promise.resolve() },
      templates: this.templates,
      backend: (alias: string) => this.#backend(alias),
    };
  }

  /** Resolve every configured backend (as core's getConnection does), so a bad one fails now, naming its alias. */
  async resolveBackends(): Promise<void> {
    await Promise.all(Object.keys(this.settings.backends).map((alias) => this.#resolve(alias)));
  }

  #resolve(alias: string): Promise<BaseEmailBackend> {
    let resolved = this.#resolved.get(alias);
    if (!resolved) {
      const spec = this.settings.backends[alias];
      if (spec === undefined) {
        return Promise.reject(new AnymailConfigurationError(`Outbox backend alias '${alias}' is not configured (known: ${Object.keys(this.settings.backends).join(', ')}).`));
      }
      resolved = resolveBackendSpec(alias, spec);
      this.#resolved.set(alias, resolved);
    }
    return resolved;
  }

  #backend(alias: string): Promise<BaseEmailBackend> {
    let opened = this.#opened.get(alias);
    if (!opened) {
      opened = this.#resolve(alias).then((backend) => {
        // The drain keeps up to `concurrency` sends in flight: let a pooled backend open that many sockets.
        backend.expectConcurrency(this.settings.concurrency);
        return backend.open().then(
          (didOpen) => {
            if (didOpen) this.#toClose.push(backend);
            return backend;
          },
          (error: unknown) => {
            this.#opened.delete(alias); // try to open it again for the next email
            throw error;
          },
        );
      });
      this.#opened.set(alias, opened);
    }
    return opened;
  }
}

/**
 * Create an outbox. Its tables must be migrated: automatically for a `sqlite:` URL (see
 * `autoMigrate`), else call `migrate()` once or run `anymail-outbox migrate` before use.
 */
export async function createOutbox(settings: OutboxSettings): Promise<Outbox> {
  const outbox = new Outbox(settings);
  try {
    await outbox.resolveBackends();
    if (outbox.settings.autoMigrate) await outbox.migrate();
  } catch (error) {
    await outbox.close();
    throw error;
  }
  return outbox;
}

function isSpecObject(spec: AliasSpec): spec is { backend: BackendSpec; options?: Record<string, unknown> } {
  return typeof spec === 'object' && spec !== null && !(spec instanceof BaseEmailBackend) && 'backend' in spec;
}

async function resolveBackendSpec(alias: string, spec: AliasSpec): Promise<BaseEmailBackend> {
  let backend: unknown;
  try {
    backend = isSpecObject(spec) ? await getConnection(spec.backend, spec.options ?? {}) : await getConnection(spec as BackendSpec);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AnymailConfigurationError(`Outbox backend '${alias}' cannot be used: ${reason}`, { cause: error });
  }
  if (!(backend instanceof BaseEmailBackend) || typeof backend.sendMessages !== 'function' || typeof backend.open !== 'function') {
    throw new AnymailConfigurationError(`Outbox backend '${alias}' is not an email backend (got ${typeof backend}).`);
  }
  return backend;
}
