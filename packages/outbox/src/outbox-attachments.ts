/**
 * Attachments: normalized at enqueue, stored once (in the database or as files named by
 * their SHA-256 in `attachmentsDir`) and shared by every email of a `sendMany` that uses them.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Kysely } from 'kysely';
import { guessMimetype, type AttachmentInput, type EmailMessage } from '@anymail/core';
import { OutboxInvalidEmail } from './outbox-errors.js';
import type { OutboxDatabase } from './outbox-schema.js';
import { loadedAttachment, type StoredAttachment } from './outbox-stored-message.js';

/** post_office's attachment forms: a file path, bytes, or an object with content or file. */
export type OutboxAttachmentValue =
  | string
  | Uint8Array
  | {
      content?: string | Uint8Array;
      /** A file path to read. */
      file?: string;
      mimetype?: string;
      /** Only `Content-ID` (the same as `contentId`); other headers are refused. */
      headers?: Record<string, string>;
      /** Makes the attachment inline, for `cid:` references in the HTML. */
      contentId?: string;
    };

/** `{ 'report.pdf': '/path/report.pdf' }`, or a list of `{ name, ...value }`. */
export type OutboxAttachments =
  | Record<string, OutboxAttachmentValue>
  | ReadonlyArray<{ name: string } & Exclude<OutboxAttachmentValue, string | Uint8Array>>;

/** post_office's attachment forms as `EmailMessage.attach()` input (a contentId makes it inline). */
export function normalizeAttachments(input: OutboxAttachments | undefined): AttachmentInput[] {
  if (!input) return [];
  const entries: Array<[string, OutboxAttachmentValue]> = Array.isArray(input)
    ? input.map(({ name, ...rest }) => [name, rest])
    : Object.entries(input as Record<string, OutboxAttachmentValue>);
  return entries.map(([name, value]) => {
    const spec = typeof value === 'string' ? { file: value } : value instanceof Uint8Array ? { content: value } : value;
    let content: string | Uint8Array;
    if (spec.content !== undefined) content = spec.content;
    else if (spec.file !== undefined) content = new Uint8Array(readFileSync(spec.file));
    else content = new Uint8Array();
    let contentId = spec.contentId;
    for (const [header, headerValue] of Object.entries(spec.headers ?? {})) {
      // EmailMessage attachments carry no headers of their own but the Content-ID: refuse the rest rather than drop them.
      if (header.toLowerCase() !== 'content-id') {
        throw new OutboxInvalidEmail(`Attachment '${name}' has header '${header}': only Content-ID can be set on an attachment (use contentId).`);
      }
      contentId ??= headerValue;
    }
    contentId = contentId?.replace(/^<|>$/g, '');
    return {
      filename: name,
      content,
      mimetype: spec.mimetype ?? guessMimetype(name) ?? 'application/octet-stream',
      ...(contentId === undefined ? {} : { contentId, inline: true }),
    };
  });
}

/** Insert attachments (each distinct one once) and link them to the emails, keeping each email's order. */
export async function storeAttachments(
  db: Kysely<OutboxDatabase>,
  links: Array<{ emailId: number; attachments: StoredAttachment[] }>,
  attachmentsDir: string | undefined,
  now: number,
): Promise<void> {
  const ids = new Map<string, number>();
  const pairs: Array<{ email_id: number; attachment_id: number; position: number }> = [];
  for (const { emailId, attachments } of links) {
    for (const [position, attachment] of attachments.entries()) {
      // The position is part of the key: the same file twice in one email is two links.
      const key = `${position}\u0000${attachment.sha256}\u0000${attachment.name}\u0000${attachment.mimetype}\u0000${attachment.meta}`;
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
            headers: attachment.meta,
            content: filePath === null ? attachment.content : null,
            file_path: filePath,
            created: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        id = Number(row.id);
        ids.set(key, id);
      }
      pairs.push({ email_id: emailId, attachment_id: id, position });
    }
  }
  for (let start = 0; start < pairs.length; start += 500) {
    await db.insertInto('outbox_email_attachment').values(pairs.slice(start, start + 500)).onConflict((c) => c.doNothing()).execute();
  }
}

/** Attach the stored attachments of each email to its message, in the order they were given. */
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
    .orderBy('l.email_id')
    .orderBy('l.position')
    .orderBy('a.id')
    .execute();
  for (const row of rows) {
    const message = messages.get(Number(row.email_id));
    if (!message) continue;
    const content =
      row.file_path !== null
        ? new Uint8Array(readFileSync(join(attachmentsDir ?? '.', basename(row.file_path))))
        : new Uint8Array(row.content ?? new Uint8Array());
    message.attachments.push(loadedAttachment(row, content));
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
