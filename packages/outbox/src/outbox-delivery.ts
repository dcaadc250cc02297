/**
 * Delivery of claimed rows: build each EmailMessage, send it through its alias's backend
 * with bounded concurrency, then record outcomes and logs in a few statements.
 */
import type { Kysely } from 'kysely';
import type { BaseEmailBackend, EmailMessage } from '@anymail/core';
import { loadAttachments } from './outbox-attachments.js';
import type { InlineImage } from './outbox-inline-image.js';
import { isLeaseExpiredResend } from './outbox-claim.js';
import type { EmailRow } from './outbox-email.js';
import { OutboxDatabaseError, outboxDatabaseError } from './outbox-errors.js';
import { redactSecrets, secretValues } from './outbox-secrets.js';
import { recordOutcomes, type Outcome } from './outbox-send-result.js';
import { batchCapacity, classify, sendBatch, sendOne, type SendContext, type SendTask } from './outbox-send.js';
import { applyContent, legacyMessage, restoredMessage } from './outbox-stored-message.js';
import type { OutboxDatabase, OutboxStatus } from './outbox-schema.js';
import type { ResolvedOutboxSettings } from './outbox-settings.js';
import type { OutboxTemplates } from './outbox-templates.js';

export interface SendReport {
  sent: number;
  failed: number;
  requeued: number;
}


export interface DeliveryContext {
  settings: ResolvedOutboxSettings;
  limiter: SendLimiter;
  /** Resolves when the previous batch has queued its sends: batches enter the limiter in claim order. */
  turn: { last: Promise<void> };
  templates: OutboxTemplates;
  /** Opens each backend once and keeps it open until the outbox closes. */
  backend(alias: string): Promise<BaseEmailBackend>;
}

/**
 * The message a claimed row stands for: the stored codec (or, for a row an older version
 * queued, its columns), rendered now when the row asked for render-on-delivery. Inline
 * images a template renders are returned to attach after the stored attachments.
 */
async function buildMessage(row: EmailRow, context: DeliveryContext): Promise<{ message: EmailMessage; images: InlineImage[] }> {
  const message = row.message_json === null ? legacyMessage(row) : restoredMessage(row.message_json, context.settings.sealKey);
  let images: InlineImage[] = [];
  if (row.render_on_delivery && row.template_id !== null) {
    const stored = await context.templates.getById(Number(row.template_id));
    const template = row.language && stored.language !== row.language ? await context.templates.get(stored.name, row.language) : stored;
    const data = row.context === null ? {} : context.settings.contextSerializer.deserialize(row.context);
    const rendered = await context.templates.render(template, data);
    applyContent(message, { subject: rendered.subject, text: rendered.message, html: rendered.htmlMessage });
    images = rendered.inlineImages;
  }
  // As post_office: the stored email keeps its recipients; only the delivered one goes elsewhere.
  if (context.settings.overrideRecipients) message.to = [...context.settings.overrideRecipients];
  if (row.message_id !== null && !Object.keys(message.headers).some((name) => name.toLowerCase() === 'message-id')) {
    message.headers['Message-ID'] = row.message_id;
  }
  return { message, images };
}

/** Bounds how many sends are in flight, shared by the batches a drain overlaps. */
export class SendLimiter {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  constructor(readonly concurrency: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

/** Send the claimed rows and record what happened. */
export async function deliverClaimed(db: Kysely<OutboxDatabase>, rows: EmailRow[], context: DeliveryContext): Promise<SendReport> {
  const { settings } = context;
  const previousTurn = context.turn.last;
  let endTurn!: () => void;
  context.turn.last = new Promise<void>((resolve) => (endTurn = resolve));
  const now = () => Date.now();
  const logs: Array<{ email_id: number; status: OutboxStatus; exception_type: string; message: string; date: number }> = [];
  const messages = new Map<number, EmailMessage>();
  const images = new Map<number, InlineImage[]>();
  const outcomes: Outcome[] = [];
  for (const row of rows) {
    const id = Number(row.id);
    if (isLeaseExpiredResend(row)) settings.logger?.warn(`Outbox email #${id}: sending again after an expired lease (attempt ${row.attempts}); the ESP may already have it.`);
    if (isLeaseExpiredResend(row) && settings.logLevel >= 1) {
      logs.push({
        email_id: id,
        status: 'queued',
        exception_type: 'LeaseExpired',
        message: `Sending again: an earlier claim's lease expired before it recorded an outcome (attempt ${row.attempts}); the ESP may already have this message.`,
        date: now(),
      });
    }
    try {
      const built = await buildMessage(row, context);
      messages.set(id, built.message);
      if (built.images.length) images.set(id, built.images);
    } catch (error) {
      const { name = 'Error', message = String(error) } = error instanceof Error ? error : {};
      outcomes.push({ id, status: 'failed', exceptionType: name, message });
    }
  }
  let sends: Array<Promise<void>> = [];
  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  /** When each send in flight started: its lease is renewed only while it is within sendTimeoutMs. */
  const started = new Map<number, number>();
  const leased = () => {
    const late = Date.now() - settings.sendTimeoutMs;
    return rows.map((row) => Number(row.id)).filter((id) => (started.get(id) ?? Infinity) > late);
  };
  try {
    // If this throws, nothing is sent: the claim's lease runs out and a later drain retries.
    await loadAttachments(db, messages, settings.attachmentsDir);
    for (const [id, rendered] of images) {
      for (const image of rendered) {
        messages.get(id)!.attach({ filename: image.name, content: image.content, mimetype: image.mimetype, contentId: image.contentId, inline: true });
      }
    }
    const byAlias = new Map<string, SendTask[]>();
    for (const [id, message] of messages) {
      const row = byId.get(id)!;
      const tasks = byAlias.get(row.backend_alias) ?? [];
      tasks.push({ row, message });
      byAlias.set(row.backend_alias, tasks);
    }
    const sendContext: SendContext = { settings, outcomes, started };
    const scheduled: Array<() => Promise<void>> = [];
    for (const [alias, tasks] of byAlias) {
      let backend: BaseEmailBackend;
      try {
        backend = await context.backend(alias);
      } catch (error) {
        for (const task of tasks) outcomes.push(classify(task.row, error, settings));
        continue;
      }
      // A batch endpoint takes chunks (one request each); otherwise one send per email.
      const size = Math.min(batchCapacity(backend), settings.espBatchSize);
      if (size > 1) {
        for (let start = 0; start < tasks.length; start += size) {
          const chunk = tasks.slice(start, start + size);
          scheduled.push(() => sendBatch(backend, chunk, sendContext));
        }
      } else {
        for (const task of tasks) scheduled.push(() => sendOne(backend, task, sendContext));
      }
    }
    await previousTurn;
    sends = scheduled.map((send) => context.limiter.run(send));
  } finally {
    endTurn();
  }
  const stopRenewing = renewLease(db, leased, settings);
  // No credential reaches the log or the stored result: cut each message's secrets out of what the ESP said.
  const redact = (outcome: Outcome) => {
    const secrets = secretValues(messages.get(outcome.id)?.espExtra);
    outcome.message = redactSecrets(outcome.message, secrets);
    if (outcome.result?.attempts) {
      outcome.result.attempts = outcome.result.attempts.map((a) => (a.error ? { ...a, error: redactSecrets(a.error, secrets) } : a));
    }
  };
  try {
    await Promise.all(sends);
    outcomes.forEach(redact);
    // Sent mail must be recorded, or a later drain sends it again: ride out a dropped connection.
    await persistently('recording outcomes', () => recordOutcomes(db, outcomes, settings));
  } finally {
    stopRenewing();
  }
  for (const outcome of outcomes) {
    if (outcome.status !== 'sent') settings.logger?.warn(`Outbox email #${outcome.id} ${outcome.status}: ${outcome.exceptionType} ${outcome.message}`);
    if (settings.logLevel === 2 || (settings.logLevel === 1 && outcome.status !== 'sent')) {
      logs.push({ email_id: outcome.id, status: outcome.status, exception_type: outcome.exceptionType, message: outcome.message, date: now() });
    }
  }
  for (let start = 0; start < logs.length; start += 500) {
    const chunk = logs.slice(start, start + 500);
    await persistently('writing logs', () => db.insertInto('outbox_log').values(chunk).execute());
  }
  return {
    sent: outcomes.filter((o) => o.status === 'sent').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    requeued: outcomes.filter((o) => o.status === 'requeued').length,
  };
}

/**
 * While a batch is being sent, extend its lease every third of `leaseMs`, so only a dead
 * worker's lease runs out. A send past `sendTimeoutMs` (an ESP that trickles its answer)
 * is no longer renewed: its lease runs out and another worker may take it (logged as
 * LeaseExpired) instead of the mail waiting on a stuck connection for ever.
 */
function renewLease(db: Kysely<OutboxDatabase>, ids: () => number[], settings: ResolvedOutboxSettings): () => void {
  const timer = setInterval(() => {
    const current = ids();
    if (current.length === 0) return;
    db.updateTable('outbox_email')
      .set({ locked_until: Date.now() + settings.leaseMs })
      .where('id', 'in', current)
      .where('locked_by', '=', settings.workerId)
      .execute()
      .catch(() => undefined); // A failed renewal only risks a logged resend; the next tick retries.
  }, Math.max(50, Math.floor(settings.leaseMs / 3)));
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Run a write until it succeeds, waiting out transient database failures (a dropped
 * connection, a locked SQLite file) for up to about 30 s; other errors, and the last
 * failure, are thrown as outbox errors.
 */
async function persistently<T>(doing: string, write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const wrapped = outboxDatabaseError(error, doing);
      if (!(wrapped instanceof OutboxDatabaseError) || !wrapped.retryable || Date.now() > deadline) throw wrapped;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** attempt)));
    }
  }
}
