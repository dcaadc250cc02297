import type { PayloadContext } from '@anymail/core';
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
  if (parsed.success) return parsed.data;
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
  return kept as PostmarkExtra;
}
