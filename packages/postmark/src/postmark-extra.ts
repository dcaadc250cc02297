import { assertAddressHeader, assertHeaderList, assertHeaderValue, type PayloadContext } from '@anymail/core';
import { z } from 'zod';

/**
 * What `espExtra` may hold for Postmark: Anymail's per-message `serverToken`, plus Postmark
 * API fields (PascalCase, as in Postmark's docs), which are merged into each Postmark message.
 * https://postmarkapp.com/developer/api/email-api#send-a-single-email
 */
export const postmarkExtraSchema = z
  .object({
    serverToken: z.string().min(1),
    MessageStream: z.string().min(1),
    InlineCss: z.boolean(),
    TrackOpens: z.boolean(),
    TrackLinks: z.enum(['None', 'HtmlAndText', 'HtmlOnly', 'TextOnly']),
    Tag: z.string(),
    Metadata: z.record(z.string(), z.string()),
    Headers: z.array(z.object({ Name: z.string(), Value: z.string() })),
    ReplyTo: z.string(),
    TemplateModel: z.record(z.string(), z.unknown()),
  })
  .partial()
  .strict();

export type PostmarkExtra = z.infer<typeof postmarkExtraSchema>;

/** Check `espExtra` against the schema; a problem is reported as an unsupported espExtra value. */
export function parsePostmarkExtra(value: Record<string, unknown>, context: PayloadContext): PostmarkExtra {
  const parsed = postmarkExtraSchema.safeParse(value);
  if (parsed.success) {
    assertPostmarkExtraHeaders(parsed.data);
    return parsed.data;
  }
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    return `${issue.path.join('.') || 'espExtra'}: ${issue.message}`;
  });
  context.unsupported('espExtra', `${problems.join('; ')}; allowed: ${Object.keys(postmarkExtraSchema.shape).join(', ')}`);
  // ignoreUnsupportedFeatures: keep the keys that are valid on their own.
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(postmarkExtraSchema.shape)) {
    if (key in value && field.safeParse(value[key]).success) kept[key] = value[key];
  }
  assertPostmarkExtraHeaders(kept as PostmarkExtra);
  return kept as PostmarkExtra;
}

/**
 * espExtra fields Postmark writes into header lines (Headers, ReplyTo, Tag as X-PM-Tag,
 * Metadata as X-PM-Metadata-*), checked with core's one rule for header values (issue #13).
 */
export function assertPostmarkExtraHeaders(extra: PostmarkExtra): void {
  assertHeaderList('Postmark espExtra.Headers', extra.Headers);
  assertAddressHeader('Postmark espExtra.ReplyTo', extra.ReplyTo);
  assertHeaderValue('Postmark espExtra.Tag', extra.Tag);
  assertHeaderValue('Postmark espExtra.MessageStream', extra.MessageStream);
  for (const [key, item] of Object.entries(extra.Metadata ?? {})) {
    assertHeaderValue('Postmark espExtra.Metadata key', key);
    assertHeaderValue(`Postmark espExtra.Metadata[${JSON.stringify(key)}]`, item);
  }
}
