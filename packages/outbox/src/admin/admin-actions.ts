/**
 * The admin's state changes on mail: requeue, cancel, resend. The outbox API has none of
 * these yet, so they are written here over the outbox tables (one statement each, guarded
 * by the row's status and lease so a worker mid-send is never overruled); once the outbox
 * grows `requeue()` & co., these become one-line calls. Each writes a log line naming who.
 */
import type { Kysely } from 'kysely';
import { makeMessageId } from '../outbox-enqueue.js';
import type { OutboxDatabase, OutboxStatus } from '../outbox-schema.js';
import { filterWhere, type MailFilter } from './admin-queries.js';
import type { ResolvedOutboxSettings } from '../outbox-settings.js';

export type MailAction = 'requeue' | 'cancel' | 'resend';

export interface ActionResult {
  ok: boolean;
  /** What happened, for the flash message and the action log. */
  message: string;
  /** The new email's id (resend). */
  newId?: number;
  /** How many mails changed (bulk requeue). */
  count?: number;
}

export async function requeueMail(db: Kysely<OutboxDatabase>, id: number, who: string): Promise<ActionResult> {
  const now = Date.now();
  const result = await db
    .updateTable('outbox_email')
    // number_of_retries catches up with attempts: the claim then counts the requeue as a retry,
    // not as a lease that expired under a dead worker (which would log a false LeaseExpired).
    .set((eb) => ({ status: 'queued', scheduled_time: null, number_of_retries: eb.ref('attempts'), locked_by: null, locked_until: null, last_updated: now }))
    .where('id', '=', id)
    .where('status', 'in', ['failed', 'requeued'])
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return { ok: false, message: `Mail #${id} was not requeued: only failed or requeued mail that no worker holds can be.` };
  await logLine(db, id, 'queued', 'AdminRequeue', `Requeued from the admin by ${who}.`);
  return { ok: true, message: `Mail #${id} requeued.` };
}

/** Requeue every failed mail matching the list's filter (at most `limit` per call). */
export async function requeueMatching(db: Kysely<OutboxDatabase>, filter: MailFilter, who: string, limit = 5000): Promise<ActionResult> {
  const now = Date.now();
  const candidates = await db
    .selectFrom('outbox_email')
    .select('id')
    .where((eb) => filterWhere(eb, { ...filter, status: 'failed' }))
    .orderBy('id')
    .limit(limit)
    .execute();
  let requeued = 0;
  for (let start = 0; start < candidates.length; start += 500) {
    const chunk = candidates.slice(start, start + 500).map((row) => row.id);
    const rows = await db
      .updateTable('outbox_email')
      .set((eb) => ({ status: 'queued', scheduled_time: null, number_of_retries: eb.ref('attempts'), locked_by: null, locked_until: null, last_updated: now }))
      .where('id', 'in', chunk)
      .where('status', '=', 'failed')
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .returning('id')
      .execute();
    if (rows.length) {
      const message = `Requeued from the admin by ${who} (with every failed mail matching a filter).`;
      await db.insertInto('outbox_log').values(rows.map((row) => ({ email_id: row.id, status: 'queued' as const, exception_type: 'AdminRequeue', message, date: now }))).execute();
    }
    requeued += rows.length;
  }
  const more = candidates.length === limit ? ` (the first ${limit}: run it again for more)` : '';
  return { ok: true, message: `${requeued} failed mail requeued${more}.`, count: requeued };
}

export async function cancelMail(db: Kysely<OutboxDatabase>, id: number, who: string): Promise<ActionResult> {
  const now = Date.now();
  const result = await db
    .updateTable('outbox_email')
    .set({ status: 'failed', locked_by: null, locked_until: null, last_updated: now })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'requeued'])
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return { ok: false, message: `Mail #${id} was not cancelled: only queued mail that no worker is sending can be.` };
  await logLine(db, id, 'failed', 'AdminCancel', `Cancelled from the admin by ${who}.`);
  return { ok: true, message: `Mail #${id} cancelled.` };
}

/** Queue a copy of a mail (same content, recipients and attachments) as a new email. */
export async function resendMail(db: Kysely<OutboxDatabase>, id: number, who: string, settings: ResolvedOutboxSettings): Promise<ActionResult> {
  const copied = await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('outbox_email').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const now = Date.now();
    // A copy is a new message: it gets a new Message-ID when the original had one.
    const headers = row.headers === null ? null : (JSON.parse(row.headers) as Record<string, string>);
    if (headers) for (const name of Object.keys(headers)) if (name.toLowerCase() === 'message-id') delete headers[name];
    const { id: _id, ...copy } = row;
    const inserted = await trx
      .insertInto('outbox_email')
      .values({
        ...copy,
        headers: headers && Object.keys(headers).length ? JSON.stringify(headers) : null,
        message_id: row.message_id === null ? null : makeMessageId(settings.messageIdFqdn),
        status: 'queued',
        scheduled_time: null,
        // The copy is a deliberate new send: the original's deadline does not apply.
        expires_at: null,
        number_of_retries: 0,
        attempts: 0,
        locked_by: null,
        locked_until: null,
        created: now,
        last_updated: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const links = await trx.selectFrom('outbox_email_attachment').select('attachment_id').where('email_id', '=', id).execute();
    if (links.length) {
      await trx.insertInto('outbox_email_attachment').values(links.map((l) => ({ email_id: inserted.id, attachment_id: l.attachment_id }))).execute();
    }
    return { newId: Number(inserted.id), status: row.status };
  });
  if (copied === undefined) return { ok: false, message: `Mail #${id} does not exist.` };
  const { newId } = copied;
  await logLine(db, newId, 'queued', 'AdminResend', `Copy of mail #${id}, queued from the admin by ${who}.`);
  await logLine(db, id, copied.status, 'AdminResend', `Resent as mail #${newId} from the admin by ${who}.`);
  return { ok: true, message: `Mail #${id} queued again as mail #${newId}.`, newId };
}

async function logLine(db: Kysely<OutboxDatabase>, id: number, status: OutboxStatus, type: string, message: string) {
  await db.insertInto('outbox_log').values({ email_id: id, status, exception_type: type, message, date: Date.now() }).execute();
}
