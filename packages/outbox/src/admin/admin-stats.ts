/**
 * The dashboard's figures: mail per status, sends per hour (last 24 h, from the log),
 * failures by Anymail error category (last 7 days) and mail per backend alias and status.
 */
import { sql, type Kysely } from 'kysely';
import type { OutboxDatabase } from '../outbox-schema.js';

export interface DashboardStats {
  byStatus: Record<string, number>;
  /** 24 hourly buckets, oldest first: [hour start (ms), sends]. */
  sentPerHour: Array<[number, number]>;
  failuresByCategory: Array<[string, number]>;
  byEsp: Array<{ alias: string; status: string; count: number }>;
}

const HOUR = 3_600_000;

/** `[category] text` is how delivery logs an Anymail error; other errors count under their type. */
export function failureCategory(exceptionType: string, message: string): string {
  const match = /^(?:delivery unknown:[^[]*)?\[([a-z_-]+)\]/.exec(message);
  return match ? match[1]! : exceptionType || 'unknown';
}

export async function dashboardStats(db: Kysely<OutboxDatabase>, now = Date.now()): Promise<DashboardStats> {
  const statusRows = await db
    .selectFrom('outbox_email')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  const byStatus: Record<string, number> = {};
  for (const row of statusRows) byStatus[row.status] = Number(row.n);

  const firstHour = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
  const hourRows = await db
    .selectFrom('outbox_log')
    .select([sql<number | string>`(${sql.ref('date')} - ${firstHour}) / ${HOUR}`.as('bucket'), (eb) => eb.fn.countAll<string>().as('n')])
    .where('status', '=', 'sent')
    .where('exception_type', '=', '')
    .where('date', '>=', firstHour)
    .groupBy('bucket')
    .execute();
  const sentPerHour: Array<[number, number]> = Array.from({ length: 24 }, (_, i) => [firstHour + i * HOUR, 0]);
  for (const row of hourRows) {
    const bucket = Math.floor(Number(row.bucket));
    if (bucket >= 0 && bucket < 24) sentPerHour[bucket]![1] = Number(row.n);
  }

  // Grouped in SQL by type and the message's first 40 characters (where the category is), so a
  // burst of failures costs a few rows, not one per failure.
  const failureRows = await db
    .selectFrom('outbox_log')
    .select([
      'exception_type',
      sql<string>`substr(${sql.ref('message')}, 1, 120)`.as('head'),
      (eb) => eb.fn.countAll<string>().as('n'),
    ])
    .where('status', '=', 'failed')
    .where('date', '>=', now - 7 * 24 * HOUR)
    .where('exception_type', 'not like', 'Admin%')
    .groupBy(['exception_type', 'head'])
    .execute();
  const categories = new Map<string, number>();
  for (const row of failureRows) {
    const category = failureCategory(row.exception_type, row.head);
    categories.set(category, (categories.get(category) ?? 0) + Number(row.n));
  }

  const espRows = await db
    .selectFrom('outbox_email')
    .select(['backend_alias', 'status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy(['backend_alias', 'status'])
    .orderBy('backend_alias')
    .execute();
  return {
    byStatus,
    sentPerHour,
    failuresByCategory: [...categories.entries()].sort((a, b) => b[1] - a[1]),
    byEsp: espRows.map((r) => ({ alias: r.backend_alias, status: r.status, count: Number(r.n) })),
  };
}
