import { assertAddressHeader, assertHeaderList, assertHeaderValue } from '@anymail/core/esp';
import { z } from 'zod';

/**
 * What `espExtra` may hold for Postmark (core's one espExtra policy applies: an unknown key or a
 * wrong value is AnymailUnsupportedFeature naming it): Anymail's per-message `serverToken`, plus Postmark
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
