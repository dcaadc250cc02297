/**
 * Attachments: normalized at enqueue, stored once (in the database or as files named by
 * their SHA-256 in `attachmentsDir`) and shared by every email of a `sendMany` that uses them.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Kysely } from 'kysely';
import { guessMimetype, type EmailMessage } from '@anymail/core';
import type { OutboxDatabase } from './outbox-schema.js';

/** post_office's attachment forms: a file path, bytes, or an object with content or file. */
export type OutboxAttachmentValue =
  | string
  | Uint8Array
  | {
      content?: string | Uint8Array;
      /** A file path to read. */
      file?: string;
      mimetype?: string;
      headers?: Record<string, string>;
      /** Makes the attachment inline, for `cid:` references in the HTML. */
      contentId?: string;
    };

/** `{ 'report.pdf': '/path/report.pdf' }`, or a list of `{ name, ...value }`. */
export type OutboxAttachments =
  | Record<string, OutboxAttachmentValue>
  | ReadonlyArray<{ name: string } & Exclude<OutboxAttachmentValue, string | Uint8Array>>;

export interface NormalizedAttachment {
  name: string;
  mimetype: string;
  headers: Record<string, string>;
  content: Uint8Array;
  sha256: string;
}

export function normalizeAttachments(input: OutboxAttachments | undefined): NormalizedAttachment[] {
  if (!input) return [];
  const entries: Array<[string, OutboxAttachmentValue]> = Array.isArray(input)
    ? input.map(({ name, ...rest }) => [name, rest])
    : Object.entries(input as Record<string, OutboxAttachmentValue>);
  return entries.map(([name, value]) => {
    const spec = typeof value === 'string' ? { file: value } : value instanceof Uint8Array ? { content: value } : value;
    let content: Uint8Array;
    if (spec.content !== undefined) content = typeof spec.content === 'string' ? new TextEncoder().encode(spec.content) : spec.content;
    else if (spec.file !== undefined) content = new Uint8Array(readFileSync(spec.file));
    else content = new Uint8Array();
    const headers = { ...spec.headers };
    if (spec.contentId !== undefined) headers['Content-ID'] = `<${spec.contentId.replace(/^<|>$/g, '')}>`;
    return {
      name,
      mimetype: spec.mimetype ?? guessMimetype(name) ?? 'application/octet-stream',
      headers,
      content,
      sha256: createHash('sha256').update(content).digest('hex'),
    };
  });
}

/** Insert attachments (each distinct one once) and link them to the emails. */
export async function storeAttachments(
  db: Kysely<OutboxDatabase>,
  links: Array<{ emailId: number; attachments: NormalizedAttachment[] }>,
  attachmentsDir: string | undefined,
  now: number,
): Promise<void> {
  const ids = new Map<string, number>();
  const pairs: Array<{ email_id: number; attachment_id: number }> = [];
  for (const { emailId, attachments } of links) {
    for (const attachment of attachments) {
      const key = `${attachment.sha256}\u0000${attachment.name}\u0000${attachment.mimetype}\u0000${JSON.stringify(attachment.headers)}`;
      let id = ids.get(key);
      if (id === undefined) {
        let filePath: string | null = null;
        if (attachmentsDir !== undefined) {
          mkdirSync(attachmentsDir, { recursive: true });
          filePath = attachment.sha256;
          const full = join(attachmentsDir, filePath);
          if (!existsSync(full)) writeFileSync(full, attachment.content);
        }
        const row = await db
          .insertInto('outbox_attachment')
          .values({
            name: attachment.name,
            mimetype: attachment.mimetype,
            headers: Object.keys(attachment.headers).length ? JSON.stringify(attachment.headers) : null,
            content: filePath === null ? attachment.content : null,
            file_path: filePath,
            created: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        id = Number(row.id);
        ids.set(key, id);
      }
      pairs.push({ email_id: emailId, attachment_id: id });
    }
  }
  if (pairs.length) await db.insertInto('outbox_email_attachment').values(pairs).onConflict((c) => c.doNothing()).execute();
}

/** Attach the stored attachments of each email to its message. */
export async function loadAttachments(
  db: Kysely<OutboxDatabase>,
  messages: Map<number, EmailMessage>,
  attachmentsDir: string | undefined,
): Promise<void> {
  if (messages.size === 0) return;
  const rows = await db
    .selectFrom('outbox_email_attachment as l')
    .innerJoin('outbox_attachment as a', 'a.id', 'l.attachment_id')
    .select(['l.email_id', 'a.name', 'a.mimetype', 'a.headers', 'a.content', 'a.file_path'])
    .where('l.email_id', 'in', [...messages.keys()])
    .orderBy('a.id')
    .execute();
  for (const row of rows) {
    const message = messages.get(Number(row.email_id));
    if (!message) continue;
    const content =
      row.file_path !== null
        ? new Uint8Array(readFileSync(join(attachmentsDir ?? '.', basename(row.file_path))))
        : new Uint8Array(row.content ?? new Uint8Array());
    const headers = row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {};
    const contentId = headers['Content-ID']?.replace(/^<|>$/g, '');
    message.attach({ filename: row.name, content, mimetype: row.mimetype, ...(contentId ? { contentId, inline: true } : {}) });
  }
}

/** Delete attachments no email links to any more (and their files). Resolves to how many. */
export async function deleteOrphanAttachments(db: Kysely<OutboxDatabase>, attachmentsDir: string | undefined): Promise<number> {
  const orphans = await db
    .deleteFrom('outbox_attachment')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('outbox_email_attachment as l').select('l.email_id').whereRef('l.attachment_id', '=', 'outbox_attachment.id'))),
    )
    .returning(['file_path'])
    .execute();
  if (attachmentsDir !== undefined) {
    const stillUsed = new Set(
      (await db.selectFrom('outbox_attachment').select('file_path').where('file_path', 'is not', null).execute()).map((r) => r.file_path),
    );
    for (const { file_path } of orphans) {
      if (file_path && !stillUsed.has(file_path)) {
        try {
          unlinkSync(join(attachmentsDir, basename(file_path)));
        } catch {
          // Already gone: nothing to clean.
        }
      }
    }
  }
  return orphans.length;
}
