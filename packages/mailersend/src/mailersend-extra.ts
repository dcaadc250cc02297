import { assertAddressHeader, assertHeaderName, assertHeaderValue } from '@anymail/core/esp';
import { z } from 'zod';
import { MAILERSEND_BATCH_SEND_MODES } from './mailersend-options.js';

const address = z.strictObject({ email: z.string().min(1), name: z.string().optional() });

/** MailerSend `settings` (per-message overrides of the domain's tracking settings). */
const settings = z
  .strictObject({ track_clicks: z.boolean(), track_opens: z.boolean(), track_content: z.boolean() })
  .partial();

/**
 * What `espExtra` may hold for MailerSend: Anymail's per-message options in camelCase
 * (`apiToken`, `batchSendMode`), plus fields of MailerSend's email API (snake_case, as in
 * MailerSend's docs), deep-merged into each MailerSend message (every message of a bulk send).
 * https://developers.mailersend.com/api/v1/email.html#send-an-email
 */
export const mailerSendExtraSchema = z
  .strictObject({
    /** This message's API token (a token belongs to one sending domain). */
    apiToken: z.string().min(1),
    /** This message's batch send mode (see the backend option `batchSendMode`). */
    batchSendMode: z.enum(MAILERSEND_BATCH_SEND_MODES),
    from: address,
    to: z.array(address),
    cc: z.array(address),
    bcc: z.array(address),
    reply_to: address,
    subject: z.string(),
    text: z.string(),
    html: z.string(),
    template_id: z.string().min(1),
    tags: z.array(z.string()),
    personalization: z.array(z.strictObject({ email: z.string().min(1), data: z.record(z.string(), z.unknown()) })),
    send_at: z.number().int().positive(),
    in_reply_to: z.string(),
    references: z.array(z.string()),
    precedence_bulk: z.boolean(),
    list_unsubscribe: z.string(),
    headers: z.array(z.strictObject({ name: z.string(), value: z.string() })),
    settings,
  })
  .partial();

export type MailerSendExtra = z.infer<typeof mailerSendExtraSchema>;

/** The espExtra keys that are Anymail's own options, not MailerSend API fields. */
export const MAILERSEND_EXTRA_OPTIONS = ['apiToken', 'batchSendMode'] as const;

/**
 * espExtra fields MailerSend writes into header lines, checked with core's one rule for header
 * values (issue #13): a CR/LF there would let espExtra forge headers.
 */
export function assertMailerSendExtraHeaders(extra: MailerSendExtra): void {
  for (const [index, header] of (extra.headers ?? []).entries()) {
    assertHeaderName(header.name);
    assertHeaderValue(`MailerSend espExtra.headers[${index}] (${header.name})`, header.value);
  }
  for (const field of ['subject', 'in_reply_to', 'list_unsubscribe', 'template_id'] as const) {
    if (extra[field] !== undefined) assertHeaderValue(`MailerSend espExtra.${field}`, extra[field]);
  }
  for (const [index, reference] of (extra.references ?? []).entries()) assertHeaderValue(`MailerSend espExtra.references[${index}]`, reference);
  for (const [index, tag] of (extra.tags ?? []).entries()) assertHeaderValue(`MailerSend espExtra.tags[${index}]`, tag);
  const addresses = [
    ['from', extra.from ? [extra.from] : []],
    ['reply_to', extra.reply_to ? [extra.reply_to] : []],
    ['to', extra.to ?? []],
    ['cc', extra.cc ?? []],
    ['bcc', extra.bcc ?? []],
  ] as const;
  for (const [field, list] of addresses) {
    for (const [index, entry] of list.entries()) {
      assertAddressHeader(`MailerSend espExtra.${field}[${index}].email`, entry.email);
      if (entry.name !== undefined) assertHeaderValue(`MailerSend espExtra.${field}[${index}].name`, entry.name);
    }
  }
}
