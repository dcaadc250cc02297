import { assertAddressHeader, assertHeaderList, assertHeaderValue, type PayloadContext } from '@anymail/core';
import { z } from 'zod';

const messageTag = z.object({ Name: z.string().min(1), Value: z.string() });
const destination = z.object({
  ToAddresses: z.array(z.string()).optional(),
  CcAddresses: z.array(z.string()).optional(),
  BccAddresses: z.array(z.string()).optional(),
});

/**
 * What `espExtra` may hold for Amazon SES: SES v2 `SendEmail` / `SendBulkEmail` request fields
 * (PascalCase, as in the SES API reference), deep-merged into the request. Known fields are
 * checked; other fields (newer API members such as `ConfigurationOverrides`) pass through as is.
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export const sesExtraSchema = z.looseObject({
  FromEmailAddress: z.string().min(1).optional(),
  FromEmailAddressIdentityArn: z.string().min(1).optional(),
  FeedbackForwardingEmailAddress: z.string().min(1).optional(),
  FeedbackForwardingEmailAddressIdentityArn: z.string().min(1).optional(),
  ReplyToAddresses: z.array(z.string()).optional(),
  Destination: destination.optional(),
  ConfigurationSetName: z.string().min(1).optional(),
  EmailTags: z.array(messageTag).optional(),
  DefaultEmailTags: z.array(messageTag).optional(),
  ListManagementOptions: z.object({ ContactListName: z.string().min(1), TopicName: z.string().optional() }).optional(),
  EndpointId: z.string().min(1).optional(),
  TenantName: z.string().min(1).optional(),
  Content: z.record(z.string(), z.unknown()).optional(),
  DefaultContent: z.record(z.string(), z.unknown()).optional(),
});

export type SesExtra = z.infer<typeof sesExtraSchema>;

/** Check `espExtra`; a problem is reported as an unsupported espExtra value (the valid fields are kept). */
export function parseSesExtra(value: Record<string, unknown>, context: PayloadContext): Record<string, unknown> {
  const parsed = sesExtraSchema.safeParse(value);
  if (parsed.success) {
    assertSesExtraHeaders(parsed.data);
    return parsed.data;
  }
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'espExtra'}: ${issue.message}`);
  context.unsupported('espExtra', problems.join('; '));
  const kept: Record<string, unknown> = { ...value };
  for (const issue of parsed.error.issues) if (issue.path.length > 0) delete kept[String(issue.path[0])];
  assertSesExtraHeaders(kept as SesExtra);
  return kept;
}

type HeaderList = Array<{ Name: string; Value: string }>;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `Simple.Subject.Data`, `Simple.Headers` and `Template.Headers` of a Content / DefaultContent value. */
function assertContentHeaders(field: string, content: Record<string, unknown> | undefined): void {
  if (!content) return;
  const simple = content.Simple;
  if (isRecord(simple)) {
    if (isRecord(simple.Subject)) assertHeaderValue(`${field}.Simple.Subject.Data`, simple.Subject.Data);
    if (Array.isArray(simple.Headers)) assertHeaderList(`${field}.Simple.Headers`, simple.Headers as HeaderList);
  }
  const template = content.Template;
  if (isRecord(template) && Array.isArray(template.Headers)) assertHeaderList(`${field}.Template.Headers`, template.Headers as HeaderList);
}

/**
 * espExtra fields SES writes into header lines or reads as addresses (it decodes RFC 2047
 * names), checked with core's one rule for header values (issue #13).
 */
export function assertSesExtraHeaders(extra: SesExtra): void {
  const where = 'SES espExtra';
  assertAddressHeader(`${where}.FromEmailAddress`, extra.FromEmailAddress);
  assertAddressHeader(`${where}.FeedbackForwardingEmailAddress`, extra.FeedbackForwardingEmailAddress);
  extra.ReplyToAddresses?.forEach((address, index) => assertAddressHeader(`${where}.ReplyToAddresses[${index}]`, address));
  for (const list of ['ToAddresses', 'CcAddresses', 'BccAddresses'] as const) {
    extra.Destination?.[list]?.forEach((address, index) => assertAddressHeader(`${where}.Destination.${list}[${index}]`, address));
  }
  assertContentHeaders(`${where}.Content`, extra.Content);
  assertContentHeaders(`${where}.DefaultContent`, extra.DefaultContent);
}
