/**
 * Claiming due mail. One UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING statement for
 * both databases: on PostgreSQL the inner SELECT takes `FOR UPDATE SKIP LOCKED`, so
 * concurrent workers never claim the same row; on SQLite the statement runs under the
 * database's single write lock, so it is atomic across processes on one machine. A claim
 * is a lease (`locked_by`, `locked_until`): if its worker dies, the row is due again once
 * the lease has passed.
 */
import type { Kysely } from 'kysely';
import type { OutboxDialect } from './outbox-database.js';
import type { EmailRow } from './outbox-email.js';
import type { OutboxDatabase } from './outbox-schema.js';
import type { SendingOrderField } from './outbox-settings.js';

const ORDER_COLUMNS = { priority: 'priority', id: 'id', created: 'created', scheduledTime: 'scheduled_time' } as const;

export interface ClaimOptions {
  dialect: OutboxDialect;
  workerId: string;
  leaseMs: number;
  limit: number;
  sendingOrder: readonly SendingOrderField[];
  now: number;
  /**
   * Scheduled mail is due when its time is at or before this (default `now`). `sendQueued`
   * passes its start time, so a retry requeued during the run waits for the next run.
   */
  dueAt?: number;
  /** Only these emails (priority `now`). */
  ids?: readonly number[];
}

export async function claimDue(db: Kysely<OutboxDatabase>, options: ClaimOptions): Promise<EmailRow[]> {
  const { now } = options;
  const dueAt = options.dueAt ?? now;
  let due = db
    .selectFrom('outbox_email')
    .select('id')
    .where('status', 'in', ['queued', 'requeued'])
    .where((eb) => eb.or([eb('scheduled_time', 'is', null), eb('scheduled_time', '<=', dueAt)]))
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]));
  if (options.ids) due = due.where('id', 'in', [...options.ids]);
  for (const field of options.sendingOrder) {
    const descending = field.startsWith('-');
    const column = ORDER_COLUMNS[field.replace(/^-/, '') as keyof typeof ORDER_COLUMNS];
    due = due.orderBy(column, descending ? 'desc' : 'asc');
  }
  if (!options.sendingOrder.some((f) => f.replace(/^-/, '') === 'id')) due = due.orderBy('id', 'asc');
  due = due.limit(options.limit);
  if (options.dialect === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await db
    .updateTable('outbox_email')
    .set((eb) => ({
      locked_by: options.workerId,
      locked_until: now + options.leaseMs,
      attempts: eb('attempts', '+', 1),
      last_updated: now,
    }))
    .where('id', 'in', due)
    .returningAll()
    .execute();
  // RETURNING does not keep the subquery's order: sort the batch the same way.
  const keys = [...options.sendingOrder, 'id'].map((field) => ({
    column: ORDER_COLUMNS[field.replace(/^-/, '') as keyof typeof ORDER_COLUMNS],
    sign: field.startsWith('-') ? -1 : 1,
  }));
  return rows.sort((a, b) => {
    for (const { column, sign } of keys) {
      const left = a[column] === null ? -Infinity : Number(a[column]);
      const right = b[column] === null ? -Infinity : Number(b[column]);
      if (left !== right) return left < right ? -sign : sign;
    }
    return 0;
  });
}

/** A row claimed again before its earlier claim recorded an outcome: that earlier worker died. */
export function isLeaseExpiredResend(row: EmailRow): boolean {
  return row.attempts > row.number_of_retries + 1;
}
