/**
 * Operations on queued mail: requeue/resend what failed (post_office's admin action, as an
 * API and a CLI command), and mark mail past its `expiresAt` as `expired`.
 */
import type { Kysely, UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { OutboxDatabase, OutboxStatus } from './outbox-schema.js';

/** Which emails `requeue` takes. Filters combine (all must match). */
export interface RequeueFilter {
  /** @default ['failed'] */
  status?: OutboxStatus | readonly OutboxStatus[];
  /** Created at or after this time. */
  since?: Date | number;
  /** Created before this time. */
  until?: Date | number;
  /** Any of to/cc/bcc contains this address (case-insensitive substring of the stored list). */
  recipient?: string;
  /** Only these emails. */
  ids?: readonly number[];
}

/** The log line an operation writes on each email it changes (`outbox.logs()`). */
export interface OperationLog {
  /** The line's `exceptionType`, e.g. 'AdminRequeue'. @default 'Requeue' / 'Cancel' / 'Resend' */
  type?: string;
  /** The line's message, e.g. who asked. @default names the API call */
  message?: string;
}

/** Which emails `cancel` takes: as `RequeueFilter`, but by default every `queued` or `requeued` one. */
export type CancelFilter = RequeueFilter;

const millis = (value: Date | number) => (value instanceof Date ? value.getTime() : value);

/** The status list of a filter, with its default. */
function statusesOf(filter: RequeueFilter, fallback: OutboxStatus[]): OutboxStatus[] {
  return filter.status === undefined ? fallback : typeof filter.status === 'string' ? [filter.status] : [...filter.status];
}

/** Queue the matching emails again, due now with their retries reset; resolves to how many. */
export async function requeueEmails(db: Kysely<OutboxDatabase>, filter: RequeueFilter, now: number, log: OperationLog = {}): Promise<number> {
  const query = filtered(
    db
      .updateTable('outbox_email')
      // Claims and retries start over: the next claim is a first attempt, not a resend after an expired lease.
      .set({ status: 'queued', scheduled_time: null, number_of_retries: 0, attempts: 0, locked_by: null, locked_until: null, last_updated: now }),
    filter,
    statusesOf(filter, ['failed']),
    now,
  );
  const ids = (await query.returning('id').execute()).map((row) => Number(row.id));
  await writeLogs(db, ids, 'queued', log.type ?? 'Requeue', log.message ?? 'Requeued by outbox.requeue().', now);
  return ids.length;
}

/** Mark the matching unsent emails `failed` so no worker sends them; resolves to how many. */
export async function cancelEmails(db: Kysely<OutboxDatabase>, filter: CancelFilter, now: number, log: OperationLog = {}): Promise<number> {
  const statuses = statusesOf(filter, ['queued', 'requeued']);
  // Only unsent mail can be cancelled: a filter naming sent/failed/expired mail changes nothing.
  const unsent = statuses.filter((status) => status === 'queued' || status === 'requeued');
  if (unsent.length === 0) return 0;
  const query = filtered(db.updateTable('outbox_email').set({ status: 'failed', locked_by: null, locked_until: null, last_updated: now }), filter, unsent, now);
  const ids = (await query.returning('id').execute()).map((row) => Number(row.id));
  await writeLogs(db, ids, 'failed', log.type ?? 'Cancel', log.message ?? 'Cancelled by outbox.cancel().', now);
  return ids.length;
}

type EmailUpdate = UpdateQueryBuilder<OutboxDatabase, 'outbox_email', 'outbox_email', UpdateResult>;

/** The filter's conditions on an update, never touching mail a worker holds right now. */
function filtered(update: EmailUpdate, filter: RequeueFilter, statuses: OutboxStatus[], now: number): EmailUpdate {
  let query = update
    .where('status', 'in', statuses)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]));
  if (filter.since !== undefined) query = query.where('created', '>=', millis(filter.since));
  if (filter.until !== undefined) query = query.where('created', '<', millis(filter.until));
  if (filter.ids !== undefined) query = query.where('id', 'in', filter.ids.length ? [...filter.ids] : [-1]);
  if (filter.recipient !== undefined) {
    const needle = `%${JSON.stringify(filter.recipient.toLowerCase()).slice(1, -1).replace(/[%_]/g, '')}%`;
    query = query.where((eb) =>
      eb.or([eb(eb.fn('lower', ['to']), 'like', needle), eb(eb.fn('lower', ['cc']), 'like', needle), eb(eb.fn('lower', ['bcc']), 'like', needle)]),
    );
  }
  return query;
}

async function writeLogs(db: Kysely<OutboxDatabase>, ids: number[], status: OutboxStatus, type: string, message: string, now: number) {
  for (let start = 0; start < ids.length; start += 500) {
    await db
      .insertInto('outbox_log')
      .values(ids.slice(start, start + 500).map((id) => ({ email_id: id, status, exception_type: type, message, date: now })))
      .execute();
  }
}

/** Mark queued mail whose `expiresAt` has passed as `expired` (never sent); resolves to how many. */
export async function expireEmails(db: Kysely<OutboxDatabase>, now: number): Promise<number> {
  const result = await db
    .updateTable('outbox_email')
    .set({ status: 'expired', locked_by: null, locked_until: null, last_updated: now })
    .where('status', 'in', ['queued', 'requeued'])
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
