/**
 * Operations on queued mail: requeue/resend what failed (post_office's admin action, as an
 * API and a CLI command), and mark mail past its `expiresAt` as `expired`.
 */
import type { Kysely } from 'kysely';
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

const millis = (value: Date | number) => (value instanceof Date ? value.getTime() : value);

/** Queue the matching emails again, due now with their retries reset; resolves to how many. */
export async function requeueEmails(db: Kysely<OutboxDatabase>, filter: RequeueFilter, now: number): Promise<number> {
  const statuses = filter.status === undefined ? ['failed'] : typeof filter.status === 'string' ? [filter.status] : [...filter.status];
  let query = db
    .updateTable('outbox_email')
    // Claims and retries start over: the next claim is a first attempt, not a resend after an expired lease.
    .set({ status: 'queued', scheduled_time: null, number_of_retries: 0, attempts: 0, locked_by: null, locked_until: null, last_updated: now })
    .where('status', 'in', statuses as OutboxStatus[])
    // Never mail a worker holds right now.
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
  const ids = (await query.returning('id').execute()).map((row) => Number(row.id));
  for (let start = 0; start < ids.length; start += 500) {
    await db
      .insertInto('outbox_log')
      .values(ids.slice(start, start + 500).map((id) => ({ email_id: id, status: 'queued' as const, exception_type: 'Requeue', message: 'Requeued by outbox.requeue().', date: now })))
      .execute();
  }
  return ids.length;
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
