/**
 * Enqueue: turn post_office's `mail.send()` arguments into rows, and insert them in as few
 * statements as possible (one per email for `send`, one per 500 emails for `sendMany`).
 */
import { randomBytes } from 'node:crypto';
import { type Insertable, type Kysely, sql } from 'kysely';
import { AnymailError } from '@anymail/core';
import { normalizeAttachments, storeAttachments, type NormalizedAttachment, type OutboxAttachments } from './outbox-attachments.js';
import type { OutboxDialect } from './outbox-database.js';
import { encodeEspOptions, espOptionsProblem, type OutboxEspOptions } from './outbox-esp-options.js';
import { toOutboxEmail, type OutboxEmail } from './outbox-email.js';
import { assertOutboxHeaders } from './outbox-header-safety.js';
import { PRIORITY, type OutboxDatabase, type OutboxEmailTable, type PriorityName } from './outbox-schema.js';
import type { ResolvedOutboxSettings } from './outbox-settings.js';
import type { OutboxTemplate, OutboxTemplates } from './outbox-templates.js';

/** The arguments of post_office's `mail.send()`, in camelCase. */
export interface OutboxSendInput {
  recipients?: string | readonly string[];
  sender?: string;
  subject?: string;
  message?: string;
  htmlMessage?: string;
  /** A database template's name (or the template itself); excludes subject/message/htmlMessage. */
  template?: string | OutboxTemplate;
  /** The template translation to use; falls back to the default template. */
  language?: string;
  context?: Record<string, unknown>;
  cc?: string | readonly string[];
  bcc?: string | readonly string[];
  attachments?: OutboxAttachments;
  headers?: Record<string, string>;
  /** Not sent before this time. */
  scheduledTime?: Date | number;
  /** Not sent after this time (it stays queued, and cleanup removes it). */
  expiresAt?: Date | number;
  /** `now` delivers at once (within `send`); otherwise claimed by `sendQueued` highest first. */
  priority?: PriorityName;
  /** Backend alias. @default 'default' */
  backend?: string;
  /** Keep the template and context, and render when the email is delivered. */
  renderOnDelivery?: boolean;
  /**
   * Anymail's ESP features (metadata, tags, tracking, the ESP's own templateId, merge data,
   * espExtra, extra alternatives such as AMP), set on the message the delivery backend gets.
   * Stored as JSON: values JSON cannot give back unchanged are refused.
   */
  espOptions?: OutboxEspOptions;
}

export class OutboxInvalidEmail extends AnymailError {
  constructor(message: string) {
    super(message, { code: 'ANYMAIL_OUTBOX_INVALID_EMAIL', category: 'invalid-request' });
  }
}

export interface PreparedEmail {
  row: Insertable<OutboxEmailTable>;
  attachments: NormalizedAttachment[];
}

export interface EnqueueContext {
  /** Where template lookups read: the caller's transaction when there is one. */
  db: Kysely<OutboxDatabase>;
  settings: ResolvedOutboxSettings;
  templates: OutboxTemplates;
  dialect: OutboxDialect;
}

function list(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return (typeof value === 'string' ? [value] : [...value]).filter((address) => address !== '');
}

function millis(value: Date | number | undefined): number | null {
  if (value === undefined) return null;
  return value instanceof Date ? value.getTime() : value;
}

export function makeMessageId(fqdn: string): string {
  return `<${Date.now().toString(36)}.${randomBytes(8).toString('hex')}@${fqdn}>`;
}

export async function prepareEmail(input: OutboxSendInput, context: EnqueueContext, now: number): Promise<PreparedEmail> {
  const { settings, templates } = context;
  let to = list(input.recipients);
  let cc = list(input.cc);
  let bcc = list(input.bcc);
  if (settings.overrideRecipients) {
    to = [...settings.overrideRecipients];
    cc = [];
    bcc = [];
  }
  if (to.length + cc.length + bcc.length === 0) throw new OutboxInvalidEmail('An outbox email needs at least one of recipients, cc or bcc.');
  const backend = input.backend ?? 'default';
  if (!settings.backends[backend]) {
    throw new OutboxInvalidEmail(`Unknown outbox backend alias '${backend}'. Known: ${Object.keys(settings.backends).join(', ')}.`);
  }
  const priorityName = input.priority ?? settings.defaultPriority;
  const priority = PRIORITY[priorityName];
  if (priority === undefined) throw new OutboxInvalidEmail(`Outbox priority must be now, high, medium or low (got '${priorityName}').`);

  let subject = input.subject ?? '';
  let message = input.message ?? '';
  let htmlMessage = input.htmlMessage ?? '';
  let templateId: number | null = null;
  let inlineImages: NormalizedAttachment[] = [];
  let storedContext: string | null = null;
  const language = input.language ?? '';
  if (input.template !== undefined) {
    if (input.subject !== undefined || input.message !== undefined || input.htmlMessage !== undefined) {
      throw new OutboxInvalidEmail('Pass either a template or subject/message/htmlMessage, not both.');
    }
    const template =
      typeof input.template === 'string' ? await templates.get(input.template, language, context.db) : input.template;
    templateId = template.id;
    if (input.renderOnDelivery) {
      storedContext = settings.contextSerializer.serialize(input.context ?? {});
    } else {
      const rendered = await templates.render(template, input.context ?? {});
      ({ subject, message, htmlMessage } = rendered);
      inlineImages = normalizeAttachments(
        rendered.inlineImages.map(({ name, content, mimetype, contentId }) => ({ name, content, mimetype, contentId })),
      );
    }
  } else if (input.renderOnDelivery) {
    throw new OutboxInvalidEmail('renderOnDelivery needs a template.');
  }

  let espOptions: string | null = null;
  if (input.espOptions !== undefined) {
    const problem = espOptionsProblem(input.espOptions);
    if (problem) throw new OutboxInvalidEmail(`Outbox cannot queue this email: ${problem}`);
    espOptions = encodeEspOptions(input.espOptions);
  }

  const headers = { ...input.headers };
  let messageId: string | null = null;
  const existingId = Object.keys(headers).find((name) => name.toLowerCase() === 'message-id');
  if (existingId) messageId = headers[existingId]!;
  else if (settings.messageIdEnabled) messageId = makeMessageId(settings.messageIdFqdn);

  const attachments = [...normalizeAttachments(input.attachments), ...inlineImages];
  assertOutboxHeaders({ sender: input.sender, to, cc, bcc, subject, headers, attachments, espOptions: input.espOptions });

  return {
    row: {
      from_email: input.sender ?? '',
      to: JSON.stringify(to),
      cc: JSON.stringify(cc),
      bcc: JSON.stringify(bcc),
      subject,
      message,
      html_message: htmlMessage,
      headers: Object.keys(headers).length ? JSON.stringify(headers) : null,
      priority,
      status: 'queued',
      scheduled_time: millis(input.scheduledTime),
      expires_at: millis(input.expiresAt),
      number_of_retries: 0,
      attempts: 0,
      backend_alias: backend,
      template_id: templateId,
      language,
      context: storedContext,
      render_on_delivery: input.renderOnDelivery ? 1 : 0,
      message_id: messageId,
      locked_by: null,
      locked_until: null,
      created: now,
      last_updated: now,
      // Left out when unset, so plain mail can still be queued while a deploy waits for its migration.
      ...(espOptions === null ? {} : { esp_options: espOptions }),
    },
    attachments,
  };
}

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
export const INSERT_CHUNK = 500;

export function notifyChannel(schema: string | undefined): string {
  return `anymail_outbox${schema ? `_${schema}` : ''}`;
}

export async function insertEmails(
  db: Kysely<OutboxDatabase>,
  prepared: PreparedEmail[],
  context: EnqueueContext,
  now: number,
): Promise<OutboxEmail[]> {
  const emails: OutboxEmail[] = [];
  const due = prepared.some((p) => p.row.scheduled_time == null || Number(p.row.scheduled_time) <= now);
  // NOTIFY rides on the INSERT (one statement, no transaction of our own). It is
  // transactional: inside a caller's transaction, workers wake when it commits.
  const notify = context.dialect === 'postgres' && context.settings.notify && due;
  for (let start = 0; start < prepared.length; start += INSERT_CHUNK) {
    const chunk = prepared.slice(start, start + INSERT_CHUNK);
    const insert = db.insertInto('outbox_email').values(chunk.map((p) => p.row));
    const ids = notify
      ? await db
          .with('inserted', () => insert.returning('id'))
          .selectFrom('inserted')
          .select(['id', sql<string>`pg_notify(${notifyChannel(context.settings.schema)}, '')`.as('notified')])
          .execute()
      : await insert.returning('id').execute();
    // Ids come from one sequence in VALUES order; sort rather than trust RETURNING's row order.
    const sorted = ids.map((r) => Number(r.id)).sort((a, b) => a - b);
    chunk.forEach((p, i) => emails.push(toOutboxEmail({ ...(p.row as any), id: sorted[i]! })));
  }
  const links = prepared.flatMap((p, i) => (p.attachments.length ? [{ emailId: emails[i]!.id, attachments: p.attachments }] : []));
  if (links.length) await storeAttachments(db, links, context.settings.attachmentsDir, now);
  return emails;
}
