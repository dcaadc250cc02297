/**
 * Everything the admin reads from the outbox tables, in one module, so a change of the
 * outbox's schema or API is adapted here (and in admin-actions.ts for writes) only. Lists
 * use keyset pagination on `id` (newest first): a page costs the same at row 50 and at
 * row 100 000.
 *
 * Today's outbox records neither the ESP's name, its message ids, per-recipient status nor
 * tracking events: the "ESP" filter is the backend alias, the search covers subject and
 * Message-ID, and the mail page shows the log. When the outbox records them, add them here
 * (filter, search by ESP message id, `MailDetail` answer and events) and in admin-mail-detail.ts.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Outbox } from '../outbox.js';
import { toOutboxEmail, type OutboxEmail } from '../outbox-email.js';
import { PRIORITY, type OutboxDatabase, type OutboxStatus, type PriorityName } from '../outbox-schema.js';

export const STATUSES: readonly OutboxStatus[] = ['queued', 'requeued', 'sent', 'failed', 'expired'];

/** The mail list's filters, as parsed from the query string (all optional). */
export interface MailFilter {
  status?: OutboxStatus;
  priority?: PriorityName;
  /** The backend alias the mail goes through (the outbox records no ESP name yet). */
  esp?: string;
  /** A substring of to/cc/bcc. */
  recipient?: string;
  /** Created at or after / before (epoch ms). */
  since?: number;
  until?: number;
  /** Subject substring, or an exact Message-ID (with or without <>). */
  q?: string;
}

export interface MailListRow {
  id: number;
  subject: string;
  fromEmail: string;
  to: string[];
  status: OutboxStatus;
  priority: PriorityName;
  backendAlias: string;
  /** The ESP that sent or refused it (null before a send, and on rows from before 0004). */
  espName: string | null;
  messageId: string | null;
  created: Date;
}

export interface MailPage {
  rows: MailListRow[];
  /** Pass as `before` for the next (older) page; undefined on the last page. */
  nextBefore?: number;
}

export interface LogLine {
  id: number;
  status: string;
  exceptionType: string;
  message: string;
  date: Date;
}

export interface AttachmentInfo {
  id: number;
  name: string;
  mimetype: string;
  size: number | null;
  contentId: string | null;
}

/**
 * `column LIKE '%text%'` with `%`, `_` and `\` in the text matching literally. The ESCAPE
 * clause is explicit: SQLite has no default escape character (PostgreSQL's is backslash).
 */
function likeContains(expression: Expression<unknown>, text: string): Expression<SqlBool> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`${expression} like ${pattern} escape '\\'`;
}

const priorityNames = Object.fromEntries(Object.entries(PRIORITY).map(([k, v]) => [v, k])) as Record<number, PriorityName>;

/** The list filter as one WHERE expression (shared by the list and the bulk requeue). */
export function filterWhere(eb: ExpressionBuilder<OutboxDatabase, 'outbox_email'>, filter: MailFilter): Expression<SqlBool> {
  const parts: Array<Expression<SqlBool>> = [];
  if (filter.status) parts.push(eb('status', '=', filter.status));
  if (filter.priority) parts.push(eb('priority', '=', PRIORITY[filter.priority]));
  if (filter.esp) {
    // The ESP that sent (recorded since migration 0004); older or unsent rows by their backend alias.
    parts.push(eb.or([eb('esp_name', '=', filter.esp), eb.and([eb('esp_name', 'is', null), eb('backend_alias', '=', filter.esp)])]));
  }
  if (filter.since !== undefined) parts.push(eb('created', '>=', filter.since));
  if (filter.until !== undefined) parts.push(eb('created', '<', filter.until));
  if (filter.recipient) {
    const recipient = filter.recipient.toLowerCase();
    parts.push(eb.or((['to', 'cc', 'bcc'] as const).map((column) => likeContains(eb.fn('lower', [eb.ref(column)]), recipient))));
  }
  if (filter.q) {
    const q = filter.q.trim();
    const bracketed = q.startsWith('<') ? q : `<${q}>`;
    parts.push(
      eb.or([
        eb('message_id', '=', bracketed),
        eb('message_id', '=', q),
        // The ESP's message id: the email's first, or any recipient's.
        eb('esp_message_id', '=', q),
        eb('id', 'in', eb.selectFrom('outbox_recipient').select('email_id').where('esp_message_id', '=', q)),
        likeContains(eb.ref('subject'), q),
      ]),
    );
  }
  return eb.and(parts);
}

export class AdminQueries {
  constructor(readonly outbox: Outbox) {}

  get db(): Kysely<OutboxDatabase> {
    return this.outbox.db;
  }

  async listMail(filter: MailFilter, options: { before?: number; limit: number }): Promise<MailPage> {
    let query = this.db
      .selectFrom('outbox_email')
      .select(['id', 'subject', 'from_email', 'to', 'status', 'priority', 'backend_alias', 'esp_name', 'message_id', 'created']);
    query = query.where((eb) => filterWhere(eb, filter));
    if (options.before !== undefined) query = query.where('id', '<', options.before);
    const rows = await query.orderBy('id', 'desc').limit(options.limit + 1).execute();
    const page = rows.slice(0, options.limit).map((row) => ({
      id: Number(row.id),
      subject: row.subject,
      fromEmail: row.from_email,
      to: JSON.parse(row.to) as string[],
      status: row.status,
      priority: priorityNames[row.priority] ?? 'medium',
      backendAlias: row.backend_alias,
      espName: row.esp_name ?? null,
      messageId: row.message_id,
      created: new Date(Number(row.created)),
    }));
    return { rows: page, ...(rows.length > options.limit ? { nextBefore: page.at(-1)!.id } : {}) };
  }

  async getMail(id: number): Promise<OutboxEmail | undefined> {
    return this.outbox.get(id);
  }

  async logs(id: number): Promise<LogLine[]> {
    const rows = await this.db.selectFrom('outbox_log').selectAll().where('email_id', '=', id).orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), status: r.status, exceptionType: r.exception_type, message: r.message, date: new Date(Number(r.date)) }));
  }

  async attachments(emailId: number): Promise<AttachmentInfo[]> {
    const rows = await this.db
      .selectFrom('outbox_email_attachment as ea')
      .innerJoin('outbox_attachment as a', 'a.id', 'ea.attachment_id')
      .select(['a.id', 'a.name', 'a.mimetype', 'a.headers', (eb) => eb.fn('length', [eb.ref('a.content')]).as('size')])
      .where('ea.email_id', '=', emailId)
      .orderBy('a.id')
      .execute();
    return rows.map((r) => {
      // Rows from before migration 0003 hold { 'Content-ID': '<id>' }; newer ones the codec's { contentId }.
      const headers = r.headers ? (JSON.parse(r.headers) as Record<string, unknown>) : {};
      const raw = headers['contentId'] ?? headers['Content-ID'];
      const contentId = typeof raw === 'string' ? raw.replace(/^<|>$/g, '') : null;
      return { id: Number(r.id), name: r.name, mimetype: r.mimetype, size: r.size == null ? null : Number(r.size), contentId };
    });
  }

  /** An attachment's bytes, only through an email that has it (ids are not guessable capabilities). */
  async attachmentContent(emailId: number, attachmentId: number): Promise<{ name: string; mimetype: string; content: Uint8Array } | undefined> {
    const row = await this.db
      .selectFrom('outbox_email_attachment as ea')
      .innerJoin('outbox_attachment as a', 'a.id', 'ea.attachment_id')
      .select(['a.name', 'a.mimetype', 'a.content', 'a.file_path'])
      .where('ea.email_id', '=', emailId)
      .where('a.id', '=', attachmentId)
      .executeTakeFirst();
    if (!row) return undefined;
    // As delivery reads it: only the file's base name, inside attachmentsDir.
    const content =
      row.file_path !== null
        ? new Uint8Array(await readFile(join(this.outbox.settings.attachmentsDir ?? '.', basename(row.file_path))))
        : new Uint8Array(row.content ?? new Uint8Array());
    return { name: row.name, mimetype: row.mimetype, content };
  }

  /** The backend aliases mail was queued for. */
  aliases(): string[] {
    return Object.keys(this.outbox.settings.backends);
  }

  /** The ESP filter's choices: every recorded ESP name, then the backend aliases (for older rows). */
  async espChoices(): Promise<string[]> {
    const rows = await this.db.selectFrom('outbox_email').select('esp_name').distinct().where('esp_name', 'is not', null).orderBy('esp_name').execute();
    return [...new Set([...rows.map((r) => r.esp_name!), ...this.aliases()])];
  }

  /** Each recipient's ESP id and furthest status (the send's, then tracking's). */
  recipients(id: number) {
    return this.outbox.recipients(id);
  }

  /** Write one line to an email's log (admin actions are logged with the user). */
  async log(emailId: number, status: OutboxStatus, exceptionType: string, message: string): Promise<void> {
    await this.db.insertInto('outbox_log').values({ email_id: emailId, status, exception_type: exceptionType, message, date: Date.now() }).execute();
  }
}
