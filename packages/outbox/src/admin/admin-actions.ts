/**
 * The admin's state changes on mail: requeue, cancel, resend. Each is one call to the outbox's
 * own API (`outbox.requeue`, `outbox.cancel`, `outbox.resend`), so the admin and scripts share
 * one rule for each; the admin adds its refusal messages and a log line naming who.
 */
import type { Outbox } from '../outbox.js';
import { filterWhere, type MailFilter } from './admin-queries.js';

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

const REQUEUE = { type: 'AdminRequeue' } as const;

export async function requeueMail(outbox: Outbox, id: number, who: string): Promise<ActionResult> {
  const count = await outbox.requeue({ ids: [id], status: ['failed', 'requeued'] }, { ...REQUEUE, message: `Requeued from the admin by ${who}.` });
  if (count === 0) return { ok: false, message: `Mail #${id} was not requeued: only failed or requeued mail that no worker holds can be.` };
  return { ok: true, message: `Mail #${id} requeued.` };
}

/** Requeue every failed mail matching the list's filter (at most `limit` per call). */
export async function requeueMatching(outbox: Outbox, filter: MailFilter, who: string, limit = 5000): Promise<ActionResult> {
  // The list's filters (search, ESP, priority…) select the ids; outbox.requeue changes them.
  const candidates = await outbox.db
    .selectFrom('outbox_email')
    .select('id')
    .where((eb) => filterWhere(eb, { ...filter, status: 'failed' }))
    .orderBy('id')
    .limit(limit)
    .execute();
  const log = { ...REQUEUE, message: `Requeued from the admin by ${who} (with every failed mail matching a filter).` };
  let requeued = 0;
  for (let start = 0; start < candidates.length; start += 500) {
    const ids = candidates.slice(start, start + 500).map((row) => Number(row.id));
    requeued += await outbox.requeue({ ids, status: 'failed' }, log);
  }
  const more = candidates.length === limit ? ` (the first ${limit}: run it again for more)` : '';
  return { ok: true, message: `${requeued} failed mail requeued${more}.`, count: requeued };
}

export async function cancelMail(outbox: Outbox, id: number, who: string): Promise<ActionResult> {
  const count = await outbox.cancel({ ids: [id] }, { type: 'AdminCancel', message: `Cancelled from the admin by ${who}.` });
  if (count === 0) return { ok: false, message: `Mail #${id} was not cancelled: only queued mail that no worker is sending can be.` };
  return { ok: true, message: `Mail #${id} cancelled.` };
}

/** Queue a copy of a mail (same content, recipients and attachments) as a new email. */
export async function resendMail(outbox: Outbox, id: number, who: string): Promise<ActionResult> {
  const newId = await outbox.resend(id, { type: 'AdminResend', message: `from the admin by ${who}` });
  if (newId === undefined) return { ok: false, message: `Mail #${id} does not exist.` };
  return { ok: true, message: `Mail #${id} queued again as mail #${newId}.`, newId };
}
