/**
 * Group commit for SQLite: with `synchronous=FULL` each commit waits for the disk, so
 * concurrent `send()` calls (a web app's requests) that arrive while one insert commits are
 * written together in the next transaction: one disk sync for the lot. A lone caller waits
 * no longer than before. One failing email does not fail the others: a group that fails is
 * retried one request at a time.
 */
import type { Kysely } from 'kysely';
import type { OutboxEmail } from './outbox-email.js';
import { insertEmails, type EnqueueContext, type PreparedEmail } from './outbox-enqueue.js';
import type { OutboxDatabase } from './outbox-schema.js';

interface Waiting {
  prepared: PreparedEmail[];
  resolve(emails: OutboxEmail[]): void;
  reject(error: unknown): void;
}

export class GroupCommit {
  readonly #queue: Waiting[] = [];
  #writing = false;

  constructor(readonly db: Kysely<OutboxDatabase>) {}

  insert(prepared: PreparedEmail[], context: EnqueueContext): Promise<OutboxEmail[]> {
    return new Promise<OutboxEmail[]>((resolve, reject) => {
      this.#queue.push({ prepared, resolve, reject });
      if (!this.#writing) void this.#write(context);
    });
  }

  async #write(context: EnqueueContext): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0);
        try {
          const emails = await this.#commit(group.flatMap((waiting) => waiting.prepared), context);
          let start = 0;
          for (const waiting of group) {
            waiting.resolve(emails.slice(start, start + waiting.prepared.length));
            start += waiting.prepared.length;
          }
        } catch (error) {
          if (group.length === 1) group[0]!.reject(error);
          else for (const waiting of group) await this.#commit(waiting.prepared, context).then(waiting.resolve, waiting.reject);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  #commit(prepared: PreparedEmail[], context: EnqueueContext): Promise<OutboxEmail[]> {
    const now = Date.now();
    const hasAttachments = prepared.some((p) => p.attachments.length > 0);
    // One row, no attachments: a single INSERT is its own transaction.
    if (prepared.length === 1 && !hasAttachments) return insertEmails(this.db, prepared, context, now);
    return this.db.transaction().execute((trx) => insertEmails(trx, prepared, context, now));
  }
}
