/**
 * Tracking events applied to queued mail: an ESP's webhook event (delivered, bounced,
 * opened…) finds its email by the ESP's message id and the ESP that sent it, and moves the
 * recipient's and the email's status forward only: an `opened` after a `bounced` does not
 * resurrect the mail. Events for ids the outbox never sent are counted, not errors.
 */
import type { Kysely } from 'kysely';
import type { AnymailTrackingEvent, EventType } from '@anymail/core';
import { withDatabase } from './outbox-errors.js';
import type { OutboxDatabase } from './outbox-schema.js';

/**
 * How far each status is along a message's life; a status only moves to a higher rank.
 * Bounces and rejections come last: they can follow a delivery, and nothing undoes them.
 */
const RANK: Partial<Record<EventType | 'sent', number>> = {
  queued: 1,
  sent: 1,
  deferred: 2,
  delivered: 3,
  autoresponded: 3,
  opened: 4,
  clicked: 5,
  unsubscribed: 6,
  complained: 7,
  bounced: 8,
  rejected: 8,
  failed: 8,
};

/** Statuses below this rank (and unknown ones, such as a send status 'invalid'): the ones an event of this rank may replace. */
function below(rank: number): string[] {
  return Object.entries(RANK).filter(([, r]) => r! < rank).map(([name]) => name);
}

export interface TrackingStats {
  /** Events that moved at least one recipient forward. */
  applied: number;
  /** Events that matched an email but did not move it (it was already further along). */
  unchanged: number;
  /** Events whose message id no email sent through this outbox has. */
  unknown: number;
  /** Events with no message id, or of a type that is not a delivery status (subscribed, unknown). */
  ignored: number;
}

/** A `tracking` signal receiver (also callable with `{ event }` from a webhook's `onEvent`), with counts. */
export interface OutboxTrackingReceiver {
  (args: { event: AnymailTrackingEvent; espName?: string }): Promise<void>;
  readonly stats: TrackingStats;
}

export function makeTrackingReceiver(db: () => Kysely<OutboxDatabase>): OutboxTrackingReceiver {
  const stats: TrackingStats = { applied: 0, unchanged: 0, unknown: 0, ignored: 0 };
  const receiver = async ({ event, espName }: { event: AnymailTrackingEvent; espName?: string }) => {
    const rank = RANK[event.eventType];
    if (!event.messageId || rank === undefined) {
      stats.ignored++;
      return;
    }
    const outcome = await withDatabase('applying a tracking event', () => applyEvent(db(), event, espName ?? event.espName, rank));
    stats[outcome]++;
  };
  return Object.assign(receiver, { stats });
}

async function applyEvent(db: Kysely<OutboxDatabase>, event: AnymailTrackingEvent, espName: string, rank: number): Promise<'applied' | 'unchanged' | 'unknown'> {
  const now = Date.now();
  const status = event.eventType;
  // The ESP that sent is part of the match: after a failover, another ESP's events (or its ids) are not ours.
  const matches = await db
    .selectFrom('outbox_recipient')
    .select(['email_id', 'recipient'])
    .where('esp_message_id', '=', event.messageId!)
    .where((eb) => eb(eb.fn('lower', ['esp_name']), '=', espName.toLowerCase()))
    .execute();
  const recipient = event.recipient?.toLowerCase();
  const chosen = recipient && matches.some((m) => m.recipient === recipient) ? matches.filter((m) => m.recipient === recipient) : matches;
  let emailIds = [...new Set(chosen.map((m) => Number(m.email_id)))];
  let moved = false;
  if (chosen.length > 0) {
    for (const emailId of emailIds) {
      const result = await db
        .updateTable('outbox_recipient')
        .set({ status, updated: now })
        .where('email_id', '=', emailId)
        .where('recipient', 'in', chosen.filter((m) => Number(m.email_id) === emailId).map((m) => m.recipient))
        .where('status', 'in', below(rank))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) moved = true;
    }
  } else {
    // Sent by a backend that reported no recipients: match the email's own id.
    const emails = await db
      .selectFrom('outbox_email')
      .select('id')
      .where('esp_message_id', '=', event.messageId!)
      .where((eb) => eb(eb.fn('lower', ['esp_name']), '=', espName.toLowerCase()))
      .execute();
    emailIds = emails.map((e) => Number(e.id));
    if (emailIds.length === 0) return 'unknown';
  }
  const updated = await db
    .updateTable('outbox_email')
    .set({ delivery_status: status, last_updated: now })
    .where('id', 'in', emailIds)
    .where((eb) => eb.or([eb('delivery_status', 'is', null), eb('delivery_status', 'in', below(rank))]))
    .executeTakeFirst();
  return moved || Number(updated.numUpdatedRows) > 0 ? 'applied' : 'unchanged';
}
