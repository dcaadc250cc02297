/**
 * Enqueue: turn post_office's `mail.send()` arguments into rows, and insert them in as few
 * statements as possible (one per email for `send`, one per 500 emails for `sendMany`).
 */
import { randomBytes } from 'node:crypto';
import { type Insertable, type Kysely, sql } from 'kysely';
import { AnymailSerializationError, assertNoHeaderInjection, EmailMessage, parseAddressList } from '@anymail/core';
import { normalizeAttachments, storeAttachments, type OutboxAttachments } from './outbox-attachments.js';
import type { OutboxDialect } from './outbox-database.js';
import { OutboxInvalidEmail } from './outbox-errors.js';
import { espOptionsProblem, type OutboxEspOptions } from './outbox-esp-options.js';
import { applyContent, htmlOf, storedMessage, type StoredAttachment } from './outbox-stored-message.js';
import { toOutboxEmail, type OutboxEmail } from './outbox-email.js';
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
  /**
   * Queue this `EmailMessage` as it is, with every field (what `OutboxEmailBackend` does).
   * Excludes the content fields above (recipients, sender, subject, template, attachments,
   * headers, espOptions…); its `sendAt` becomes `scheduledTime` unless that is given.
   */
  emailMessage?: EmailMessage;
}

export { OutboxInvalidEmail };

export interface PreparedEmail {
  row: Insertable<OutboxEmailTable>;
  attachments: StoredAttachment[];
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

/** The same checks core makes before a send, made at enqueue: bad mail is refused now, not at delivery. */
function validateMessage(message: EmailMessage): void {
  assertNoHeaderInjection(message);
  if (message.from) parseAddressList(message.from, 'from');
  if (message.envelopeSender) parseAddressList(message.envelopeSender, 'envelopeSender');
  for (const field of ['to', 'cc', 'bcc', 'replyTo'] as const) {
    const addresses = message[field].filter((address) => address !== '');
    if (addresses.length) parseAddressList(addresses, field);
  }
}

const CONTENT_FIELDS = ['recipients', 'sender', 'subject', 'message', 'htmlMessage', 'template', 'language', 'context', 'cc', 'bcc', 'attachments', 'headers', 'renderOnDelivery', 'espOptions'] as const;

/** The message a post_office-style input describes (content rendered unless renderOnDelivery). */
async function messageOf(input: OutboxSendInput, context: EnqueueContext): Promise<{ message: EmailMessage; templateId: number | null; storedContext: string | null }> {
  const { settings, templates } = context;
  if (input.emailMessage !== undefined) {
    const extra = CONTENT_FIELDS.filter((field) => input[field] !== undefined);
    if (extra.length) throw new OutboxInvalidEmail(`Pass either emailMessage or ${extra.join(', ')}, not both: the message carries its own content.`);
    if (!(input.emailMessage instanceof EmailMessage)) throw new OutboxInvalidEmail('emailMessage must be an EmailMessage.');
    const message = input.emailMessage.clone();
    // The outbox holds the mail until sendAt (scheduledTime); the ESP gets it when it is due.
    message.sendAt = undefined;
    return { message, templateId: null, storedContext: null };
  }
  let espFeatures: Omit<OutboxEspOptions, 'alternatives'> = {};
  let alternatives: OutboxEspOptions['alternatives'] = [];
  if (input.espOptions !== undefined) {
    const problem = espOptionsProblem(input.espOptions);
    if (problem) throw new OutboxInvalidEmail(`Outbox cannot queue this email: ${problem}`);
    ({ alternatives = [], ...espFeatures } = input.espOptions);
  }
  const message = new EmailMessage({
    ...espFeatures,
    from: input.sender || undefined,
    to: list(input.recipients),
    cc: list(input.cc),
    bcc: list(input.bcc),
    headers: { ...input.headers },
    alternatives,
  });
  for (const attachment of normalizeAttachments(input.attachments)) message.attach(attachment);
  const language = input.language ?? '';
  if (input.template === undefined) {
    if (input.renderOnDelivery) throw new OutboxInvalidEmail('renderOnDelivery needs a template.');
    const given = { subject: input.subject ?? '', message: input.message ?? '', htmlMessage: input.htmlMessage ?? '' };
    // As post_office: a context without a template renders the strings given.
    const content = input.context === undefined ? given : await templates.renderStrings(given, input.context);
    applyContent(message, { subject: content.subject, text: content.message, html: content.htmlMessage });
    return { message, templateId: null, storedContext: null };
  }
  if (input.subject !== undefined || input.message !== undefined || input.htmlMessage !== undefined) {
    throw new OutboxInvalidEmail('Pass either a template or subject/message/htmlMessage, not both.');
  }
  const template =
    typeof input.template === 'string' ? await templates.get(input.template, language, context.db) : await templates.inLanguage(input.template, language, context.db);
  if (input.renderOnDelivery) {
    return { message, templateId: template.id, storedContext: settings.contextSerializer.serialize(input.context ?? {}) };
  }
  const rendered = await templates.render(template, input.context ?? {});
  applyContent(message, { subject: rendered.subject, text: rendered.message, html: rendered.htmlMessage });
  for (const image of rendered.inlineImages) {
    message.attach({ filename: image.name, content: image.content, mimetype: image.mimetype, contentId: image.contentId, inline: true });
  }
  return { message, templateId: template.id, storedContext: null };
}

export async function prepareEmail(input: OutboxSendInput, context: EnqueueContext, now: number): Promise<PreparedEmail> {
  const { settings } = context;
  const { message, templateId, storedContext } = await messageOf(input, context);
  if (message.recipients().length === 0) throw new OutboxInvalidEmail('An outbox email needs at least one of recipients, cc or bcc.');
  validateMessage(message);
  const backend = input.backend ?? 'default';
  if (!settings.backends[backend]) {
    throw new OutboxInvalidEmail(`Unknown outbox backend alias '${backend}'. Known: ${Object.keys(settings.backends).join(', ')}.`);
  }
  const priorityName = input.priority ?? settings.defaultPriority;
  const priority = PRIORITY[priorityName];
  if (priority === undefined) throw new OutboxInvalidEmail(`Outbox priority must be now, high, medium or low (got '${priorityName}').`);

  const existingId = Object.keys(message.headers).find((name) => name.toLowerCase() === 'message-id');
  const messageId = existingId ? message.headers[existingId]! : settings.messageIdEnabled ? makeMessageId(settings.messageIdFqdn) : null;
  let stored: ReturnType<typeof storedMessage>;
  try {
    stored = storedMessage(message, settings.sealKey);
  } catch (error) {
    if (!AnymailSerializationError.isInstance(error)) throw error;
    throw new OutboxInvalidEmail(`Outbox cannot queue this email: ${error.message}`, { cause: error });
  }
  const sendAt = input.emailMessage?.sendAt;
  const scheduled = input.scheduledTime ?? (sendAt === undefined ? undefined : sendAt instanceof Date ? sendAt : sendAt * 1000);
  return {
    row: {
      from_email: message.from ?? '',
      to: JSON.stringify(message.to),
      cc: JSON.stringify(message.cc),
      bcc: JSON.stringify(message.bcc),
      subject: message.subject,
      message: message.contentSubtype === 'html' ? '' : message.body,
      html_message: htmlOf(message),
      headers: Object.keys(message.headers).length ? JSON.stringify(message.headers) : null,
      priority,
      status: 'queued',
      scheduled_time: millis(scheduled),
      expires_at: millis(input.expiresAt),
      number_of_retries: 0,
      attempts: 0,
      backend_alias: backend,
      template_id: templateId,
      language: input.language ?? '',
      context: storedContext,
      render_on_delivery: input.renderOnDelivery ? 1 : 0,
      message_id: messageId,
      locked_by: null,
      locked_until: null,
      created: now,
      last_updated: now,
      message_json: stored.json,
    },
    attachments: stored.attachments,
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
    // One pg_notify per statement (not per row): the 'notified' CTE runs once, and the join
    // only makes the statement depend on it.
    const ids = notify
      ? await db
          .with('inserted', () => insert.returning('id'))
          .with('notified', (qb) => qb.selectNoFrom(sql<string>`pg_notify(${notifyChannel(context.settings.schema)}, '')`.as('n')))
          .selectFrom(['inserted', 'notified'])
          .select('inserted.id')
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
