/** An email row as users see it (camelCase, Dates), and the conversion from a row. */
import type { Selectable } from 'kysely';
import type { OutboxEspOptions } from './outbox-esp-options.js';
import type { SendResult } from './outbox-send-result.js';
import { espOptionsOf } from './outbox-stored-message.js';
import { PRIORITY, type OutboxEmailTable, type OutboxStatus, type PriorityName } from './outbox-schema.js';

export interface OutboxEmail {
  id: number;
  fromEmail: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  message: string;
  htmlMessage: string;
  headers: Record<string, string> | null;
  priority: PriorityName;
  status: OutboxStatus;
  scheduledTime: Date | null;
  expiresAt: Date | null;
  numberOfRetries: number;
  backendAlias: string;
  templateId: number | null;
  language: string;
  renderOnDelivery: boolean;
  messageId: string | null;
  /** The ESP features given at enqueue (`espOptions`), or null. */
  espOptions: OutboxEspOptions | null;
  /** The ESP that sent it (after failover, the one that succeeded), or the one that refused it; null before a send. */
  espName: string | null;
  /** The ESP's message id (the first, when recipients got different ones). */
  espMessageId: string | null;
  /** 'sent' once sent, then the furthest tracking event applied (delivered, bounced, opened…), forward only. */
  deliveryStatus: string | null;
  /** What the ESP said: ids, per-recipient status, and FailoverBackend's attempts. */
  sendResult: SendResult | null;
  created: Date;
  lastUpdated: Date;
}

const PRIORITY_NAMES = Object.fromEntries(Object.entries(PRIORITY).map(([name, value]) => [value, name])) as Record<number, PriorityName>;

export function priorityName(value: number): PriorityName {
  return PRIORITY_NAMES[value] ?? 'medium';
}

function date(value: number | string | null): Date | null {
  return value === null ? null : new Date(Number(value));
}

export type EmailRow = Selectable<OutboxEmailTable>;

export function toOutboxEmail(row: EmailRow): OutboxEmail {
  const stored = row.message_json ? (JSON.parse(row.message_json) as Record<string, unknown>) : undefined;
  return {
    id: Number(row.id),
    fromEmail: row.from_email,
    to: JSON.parse(row.to) as string[],
    cc: JSON.parse(row.cc) as string[],
    bcc: JSON.parse(row.bcc) as string[],
    replyTo: (stored?.['replyTo'] as string[] | undefined) ?? [],
    subject: row.subject,
    message: row.message,
    htmlMessage: row.html_message,
    headers: row.headers === null ? null : (JSON.parse(row.headers) as Record<string, string>),
    priority: priorityName(row.priority),
    status: row.status,
    scheduledTime: date(row.scheduled_time),
    expiresAt: date(row.expires_at),
    numberOfRetries: row.number_of_retries,
    backendAlias: row.backend_alias,
    templateId: row.template_id === null ? null : Number(row.template_id),
    language: row.language,
    renderOnDelivery: Boolean(row.render_on_delivery),
    messageId: row.message_id,
    espOptions: stored ? espOptionsOf(stored) : row.esp_options ? (JSON.parse(row.esp_options) as OutboxEspOptions) : null,
    espName: row.esp_name ?? null,
    espMessageId: row.esp_message_id ?? null,
    deliveryStatus: row.delivery_status ?? null,
    sendResult: row.send_result ? (JSON.parse(row.send_result) as SendResult) : null,
    created: new Date(Number(row.created)),
    lastUpdated: new Date(Number(row.last_updated)),
  };
}
