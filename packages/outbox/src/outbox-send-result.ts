/**
 * What the ESP said about each send, kept with the email: the ESP's name, its message id(s),
 * per-recipient status and FailoverBackend's attempts (columns on outbox_email, rows in
 * outbox_recipient, and the log). Tracking events find the email through these ids.
 */
import { sql, type Kysely } from 'kysely';
import { AnymailError, failoverAttempts, type BaseEmailBackend, type EmailMessage, type SendAttempt, type SendStatusName } from '@anymail/core';
import type { OutboxDatabase, OutboxStatus } from './outbox-schema.js';
import type { ResolvedOutboxSettings } from './outbox-settings.js';

/** The stored result of a send (the `send_result` column, as JSON). */
export interface SendResult {
  /** The ESP that sent it (after failover, the one that succeeded); null when none did. */
  espName: string | null;
  /** The ESP's message ids, one per distinct id. */
  messageIds: string[];
  /** Per recipient (bare address): the send status and the ESP's id for it. */
  recipients: Record<string, { status: SendStatusName; messageId: string | null }>;
  /** FailoverBackend's tries, in order, when the message went through one. */
  attempts?: SendAttempt[];
}

export interface Outcome {
  id: number;
  status: OutboxStatus;
  exceptionType: string;
  message: string;
  result?: SendResult;
}

function espNameOf(backend: BaseEmailBackend): string {
  const name = (backend as { espName?: unknown }).espName;
  return typeof name === 'string' ? name : backend.constructor.name;
}

/** The result of a send that went out, read from the status the backend set. */
export function sentResult(message: EmailMessage, backend: BaseEmailBackend): SendResult {
  const status = message.anymailStatus;
  const recipients: SendResult['recipients'] = {};
  const ids = new Set<string>();
  for (const [address, recipient] of Object.entries(status?.recipients ?? {})) {
    recipients[address] = { status: recipient.status, messageId: recipient.messageId };
    if (recipient.messageId !== null) ids.add(recipient.messageId);
  }
  if (typeof status?.messageId === 'string') ids.add(status.messageId);
  const result: SendResult = { espName: status?.espName ?? espNameOf(backend), messageIds: [...ids], recipients };
  if (status?.attempts?.length) result.attempts = status.attempts;
  return result;
}

/** The result of a failed send: which ESP refused it, and FailoverBackend's attempts. */
export function failedResult(error: unknown): SendResult | undefined {
  const attempts = failoverAttempts(error);
  const espName = AnymailError.isInstance(error) ? (error.espName ?? null) : null;
  if (!attempts?.length && espName === null) return undefined;
  return { espName, messageIds: [], recipients: {}, ...(attempts?.length ? { attempts } : {}) };
}

/** The result in a log line: `Postmark id abc (failover: SendGrid [auth] …; Postmark sent)`. */
export function describeResult(result: SendResult | undefined): string {
  if (!result) return '';
  const parts: string[] = [];
  if (result.espName) parts.push(`${result.espName}${result.messageIds.length ? ` id ${result.messageIds.join(', ')}` : ''}`);
  const refused = Object.entries(result.recipients).filter(([, r]) => r.status !== 'sent' && r.status !== 'queued');
  if (refused.length) parts.push(`not accepted: ${refused.map(([address, r]) => `${address} ${r.status}`).join(', ')}`);
  if (result.attempts && result.attempts.length > 1) {
    parts.push(`failover: ${result.attempts.map((a) => (a.category ? `${a.espName} [${a.category}]${a.error ? ` ${a.error}` : ''}` : `${a.espName} sent`)).join('; ')}`);
  }
  return parts.join('; ');
}

const caseById = (outcomes: Outcome[], value: (o: Outcome) => string | null) =>
  sql<string | null>`case ${sql.ref('id')} ${sql.join(outcomes.map((o) => sql`when ${o.id} then ${value(o)}`), sql` `)} end`;

/** Record outcomes in a few statements: status per group, then the ESP's answers. */
export async function recordOutcomes(db: Kysely<OutboxDatabase>, outcomes: Outcome[], settings: ResolvedOutboxSettings): Promise<void> {
  const now = Date.now();
  const ids = (status: OutboxStatus) => outcomes.filter((o) => o.status === status).map((o) => o.id);
  for (const status of ['sent', 'failed'] as const) {
    const chosen = ids(status);
    for (let start = 0; start < chosen.length; start += 500) {
      await db
        .updateTable('outbox_email')
        .set({ status, locked_by: null, locked_until: null, last_updated: now, ...(status === 'sent' ? { delivery_status: 'sent' } : {}) })
        .where('id', 'in', chosen.slice(start, start + 500))
        .execute();
    }
  }
  const requeued = ids('requeued');
  for (let start = 0; start < requeued.length; start += 500) {
    await db
      .updateTable('outbox_email')
      .set((eb) => ({
        status: 'requeued',
        number_of_retries: eb('number_of_retries', '+', 1),
        scheduled_time: now + Math.max(1, settings.retryIntervalMs),
        locked_by: null,
        locked_until: null,
        last_updated: now,
      }))
      .where('id', 'in', requeued.slice(start, start + 500))
      .execute();
  }
  const withResult = outcomes.filter((o) => o.result !== undefined);
  for (let start = 0; start < withResult.length; start += 200) {
    const chunk = withResult.slice(start, start + 200);
    await db
      .updateTable('outbox_email')
      .set({
        esp_name: caseById(chunk, (o) => o.result!.espName),
        esp_message_id: caseById(chunk, (o) => o.result!.messageIds[0] ?? null),
        send_result: caseById(chunk, (o) => JSON.stringify(o.result)),
      })
      .where('id', 'in', chunk.map((o) => o.id))
      .execute();
  }
  const recipients = withResult.flatMap((o) =>
    o.status !== 'sent'
      ? []
      : Object.entries(o.result!.recipients).map(([recipient, r]) => ({
          email_id: o.id,
          recipient: recipient.toLowerCase(),
          esp_name: o.result!.espName ?? '',
          esp_message_id: r.messageId,
          status: r.status as string,
          updated: now,
        })),
  );
  for (let start = 0; start < recipients.length; start += 400) {
    // A resend after an expired lease answers again: the newest answer wins.
    await db
      .insertInto('outbox_recipient')
      .values(recipients.slice(start, start + 400))
      .onConflict((c) =>
        c.columns(['email_id', 'recipient']).doUpdateSet((eb) => ({
          esp_name: eb.ref('excluded.esp_name'),
          esp_message_id: eb.ref('excluded.esp_message_id'),
          status: eb.ref('excluded.status'),
          updated: eb.ref('excluded.updated'),
        })),
      )
      .execute();
  }
}
