/**
 * The outbox's tables, as Kysely sees them. Times are epoch milliseconds in integer
 * columns, JSON is text, and booleans are 0/1, so SQLite and PostgreSQL share one code path.
 */
import type { ColumnType, Generated } from 'kysely';

/** PostgreSQL returns BIGINT as a string; SQLite as a number. Read through `Number()`. */
type BigIntColumn = ColumnType<number | string, number, number>;
type NullableBigIntColumn = ColumnType<number | string | null, number | null | undefined, number | null>;

/** `expired`: its `expiresAt` passed before it was sent; it is never sent. */
export type OutboxStatus = 'queued' | 'sent' | 'failed' | 'requeued' | 'expired';

export interface OutboxEmailTable {
  id: Generated<number | string>;
  from_email: string;
  /** JSON arrays of addresses. */
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  message: string;
  html_message: string;
  /** JSON object, or null. */
  headers: string | null;
  /** 0 low, 1 medium, 2 high, 3 now (as post_office). Claimed highest first by default. */
  priority: number;
  status: OutboxStatus;
  scheduled_time: NullableBigIntColumn;
  expires_at: NullableBigIntColumn;
  number_of_retries: number;
  /** How many times a worker claimed the row; more claims than outcomes means a lease expired. */
  attempts: number;
  backend_alias: string;
  template_id: number | string | null;
  language: string;
  /** Serialized template context (render on delivery), or null. */
  context: string | null;
  render_on_delivery: number;
  message_id: string | null;
  locked_by: string | null;
  locked_until: NullableBigIntColumn;
  created: BigIntColumn;
  last_updated: BigIntColumn;
  /** JSON object of Anymail ESP features (`OutboxEspOptions`), or null (always null on rows from before 0002). */
  esp_options: string | null;
  /**
   * The message as core's message codec writes it, without attachment bytes (they are in
   * outbox_attachment). Null only on rows an older version queued after migration 0003.
   */
  message_json: string | null;
  /** The ESP that sent it (after failover, the one that succeeded), or that refused it. */
  esp_name: ColumnType<string | null, string | null | undefined, string | null>;
  /** The ESP's message id (the first, when recipients got different ones: see outbox_recipient). */
  esp_message_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Where the mail got to: 'sent' at send, then the furthest tracking event (forward only). */
  delivery_status: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON `SendResult`: ESP, ids, per-recipient status, failover attempts. */
  send_result: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One recipient of a sent email: the ESP's id for it and how far it got (tracking). */
export interface OutboxRecipientTable {
  email_id: number | string;
  /** Bare address, lower-cased. */
  recipient: string;
  esp_name: string;
  esp_message_id: string | null;
  status: string;
  updated: BigIntColumn;
}

export interface OutboxLogTable {
  id: Generated<number | string>;
  email_id: number | string;
  status: OutboxStatus;
  exception_type: string;
  message: string;
  date: BigIntColumn;
}

export interface OutboxAttachmentTable {
  id: Generated<number | string>;
  name: string;
  mimetype: string;
  /** JSON object: Content-ID, inline, extra headers. */
  headers: string | null;
  /** The bytes, when kept in the database. */
  content: Uint8Array | null;
  /** Path in the attachments directory, when kept on disk. */
  file_path: string | null;
  created: BigIntColumn;
}

export interface OutboxEmailAttachmentTable {
  email_id: number | string;
  attachment_id: number | string;
  /** The attachment's place among the email's attachments (0 on links from before 0003). */
  position: ColumnType<number, number | undefined, number>;
}

export interface OutboxTemplateTable {
  id: Generated<number | string>;
  name: string;
  description: string;
  subject: string;
  content: string;
  html_content: string;
  /** '' for the default template; a language code for a translation. */
  language: string;
  default_template_id: number | string | null;
  created: BigIntColumn;
  last_updated: BigIntColumn;
}

/** FailoverBackend's breaker state per backend, shared by every worker (outbox.healthStore()). */
export interface OutboxBackendHealthTable {
  key: string;
  consecutive_failures: number;
  open_until: BigIntColumn;
  updated: BigIntColumn;
}

export interface OutboxDatabase {
  outbox_email: OutboxEmailTable;
  outbox_log: OutboxLogTable;
  outbox_attachment: OutboxAttachmentTable;
  outbox_email_attachment: OutboxEmailAttachmentTable;
  outbox_template: OutboxTemplateTable;
  outbox_recipient: OutboxRecipientTable;
  outbox_backend_health: OutboxBackendHealthTable;
}

export const PRIORITY = { low: 0, medium: 1, high: 2, now: 3 } as const;
export type PriorityName = keyof typeof PRIORITY;
