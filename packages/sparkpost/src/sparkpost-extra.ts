import { assertAddressHeader, assertHeaders, assertHeaderValue } from '@anymail/core';
import { z } from 'zod';

const record = z.record(z.string(), z.unknown());
const fromSchema = z.union([z.string().min(1), z.strictObject({ email: z.string().min(1), name: z.string().optional() })]);

/**
 * What `espExtra` may hold for SparkPost: fields of the Transmissions API request body, snake_case
 * as in SparkPost's reference (https://developers.sparkpost.com/api/transmissions/#header-request-body).
 * They are merged deeply into the transmission Anymail builds, and win where both set a field.
 * `recipients: { list_id }` sends to a stored recipient list instead of the message's to/cc/bcc.
 */
export const sparkPostExtraSchema = z.strictObject({
  options: z
    .strictObject({
      start_time: z.string(),
      open_tracking: z.boolean(),
      initial_open: z.boolean(),
      click_tracking: z.boolean(),
      transactional: z.boolean(),
      sandbox: z.boolean(),
      skip_suppression: z.boolean(),
      ip_pool: z.string(),
      inline_css: z.boolean(),
      perform_substitutions: z.boolean(),
      dkim_key: z.string(),
    })
    .partial(),
  content: z
    .strictObject({
      use_draft_template: z.boolean(),
      ab_test_id: z.string().min(1),
      amp_html: z.string(),
      headers: z.record(z.string(), z.string()),
    })
    .partial(),
  override: z.strictObject({ from: fromSchema, reply_to: z.string(), list_id: z.string() }).partial(),
  recipients: z.strictObject({ list_id: z.string().min(1) }),
  campaign_id: z.string().refine((value) => Buffer.byteLength(value) <= 64, 'SparkPost campaign_id is at most 64 bytes'),
  description: z.string().refine((value) => Buffer.byteLength(value) <= 1024, 'SparkPost description is at most 1024 bytes'),
  metadata: record,
  substitution_data: record,
  return_path: z.string().min(1),
  tracking_domain: z.string().min(1),
}).partial();

export type SparkPostExtra = z.infer<typeof sparkPostExtraSchema>;

/**
 * espExtra fields SparkPost writes into header lines of the message (content.headers, the override
 * From / Reply-To / List-Id, the envelope return path), checked with core's one rule for header
 * values (issue #13): a CR or LF there would let a caller add headers of their own choosing.
 */
export function assertSparkPostExtraHeaders(extra: SparkPostExtra): void {
  assertHeaders(extra.content?.headers, 'SparkPost espExtra.content.headers');
  const from = extra.override?.from;
  if (typeof from === 'string') assertAddressHeader('SparkPost espExtra.override.from', from);
  else if (from) {
    assertAddressHeader('SparkPost espExtra.override.from.email', from.email);
    if (from.name !== undefined) assertHeaderValue('SparkPost espExtra.override.from.name', from.name);
  }
  assertAddressHeader('SparkPost espExtra.override.reply_to', extra.override?.reply_to);
  if (extra.override?.list_id !== undefined) assertHeaderValue('SparkPost espExtra.override.list_id', extra.override.list_id);
  assertAddressHeader('SparkPost espExtra.return_path', extra.return_path);
}
