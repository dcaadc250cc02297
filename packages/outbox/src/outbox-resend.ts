/**
 * `outbox.resend(id)`: queue a copy of an email (same content, recipients and attachments) as
 * a new email. A copy is a new message, so it never keeps the original's Message-ID: neither
 * the caller-set header (in the row's headers and in the stored message) nor the generated one.
 */
import type { Kysely } from 'kysely';
import { makeMessageId } from './outbox-enqueue.js';
import type { OperationLog } from './outbox-operations.js';
import type { OutboxDatabase } from './outbox-schema.js';

const isMessageId = (name: string) => name.toLowerCase() === 'message-id';

/** The headers object without any Message-ID (JSON text in, JSON text or null out). */
function withoutMessageId(headersJson: string | null): string | null {
  if (headersJson === null) return null;
  const headers = JSON.parse(headersJson) as Record<string, string>;
  for (const name of Object.keys(headers)) if (isMessageId(name)) delete headers[name];
  return Object.keys(headers).length ? JSON.stringify(headers) : null;
}

/** The stored message (core's codec JSON) without a Message-ID header. */
function messageJsonWithoutMessageId(json: string | null): string | null {
  if (json === null) return null;
  const data = JSON.parse(json) as { headers?: Record<string, string> };
  if (data.headers) for (const name of Object.keys(data.headers)) if (isMessageId(name)) delete data.headers[name];
  return JSON.stringify(data);
}

/** Copy email `id` as a new queued email (`log.message` completes "queued …", e.g. 'from the admin by alice'); resolves to the copy's id, or undefined when `id` does not exist. */
export async function resendEmail(db: Kysely<OutboxDatabase>, id: number, now: number, fqdn: string, log: OperationLog = {}): Promise<number | undefined> {
  const copied = await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('outbox_email').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const { id: _id, ...copy } = row;
    const inserted = await trx
      .insertInto('outbox_email')
      .values({
        ...copy,
        headers: withoutMessageId(row.headers),
        message_json: messageJsonWithoutMessageId(row.message_json),
        // A new Message-ID when the original had one (delivery adds it to the message).
        message_id: row.message_id === null ? null : makeMessageId(fqdn),
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
        // Nothing has been sent for the copy yet.
        esp_name: null,
        esp_message_id: null,
        delivery_status: null,
        send_result: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const newId = Number(inserted.id);
    const links = await trx.selectFrom('outbox_email_attachment').select(['attachment_id', 'position']).where('email_id', '=', id).execute();
    if (links.length) {
      await trx.insertInto('outbox_email_attachment').values(links.map((l) => ({ email_id: newId, attachment_id: l.attachment_id, position: l.position }))).execute();
    }
    const type = log.type ?? 'Resend';
    const note = log.message ?? 'by outbox.resend()';
    await trx
      .insertInto('outbox_log')
      .values([
        { email_id: newId, status: 'queued', exception_type: type, message: `Copy of mail #${id}, queued ${note}.`, date: now },
        { email_id: id, status: row.status, exception_type: type, message: `Resent as mail #${newId} ${note}.`, date: now },
      ])
      .execute();
    return newId;
  });
  return copied;
}
