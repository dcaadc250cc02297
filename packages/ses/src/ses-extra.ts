import { assertAddressHeader, assertHeaderList, assertHeaderValue } from '@anymail/core/esp';
import { z } from 'zod';

// Shapes of the SES v2 API model (sesv2-2019-09-27: SendEmailRequest, SendBulkEmailRequest and the
// structures they hold), strict like the request itself. Members are optional even where SES
// requires them: espExtra is deep-merged into the request Anymail builds, which supplies the rest.
const text = z.string().min(1);
const addressList = z.array(z.string());
const messageTag = z.strictObject({ Name: text, Value: z.string() });
const header = z.strictObject({ Name: text, Value: z.string() });
const content = z.strictObject({ Data: z.string().optional(), Charset: z.string().optional() });
const attachment = z.strictObject({
  RawContent: z.string().optional(),
  ContentDisposition: z.enum(['ATTACHMENT', 'INLINE']).optional(),
  FileName: z.string().optional(),
  ContentDescription: z.string().optional(),
  ContentId: z.string().optional(),
  ContentTransferEncoding: z.enum(['BASE64', 'QUOTED_PRINTABLE', 'SEVEN_BIT']).optional(),
  ContentType: z.string().optional(),
});
const template = z.strictObject({
  TemplateName: text.optional(),
  TemplateArn: text.optional(),
  TemplateContent: z.strictObject({ Subject: z.string().optional(), Text: z.string().optional(), Html: z.string().optional() }).optional(),
  TemplateData: z.string().optional(),
  Headers: z.array(header).optional(),
  Attachments: z.array(attachment).optional(),
});
const emailContent = z.strictObject({
  Simple: z
    .strictObject({
      Subject: content.optional(),
      Body: z.strictObject({ Text: content.optional(), Html: content.optional() }).optional(),
      Headers: z.array(header).optional(),
      Attachments: z.array(attachment).optional(),
    })
    .optional(),
  Raw: z.strictObject({ Data: z.string().optional() }).optional(),
  Template: template.optional(),
});

/**
 * What `espExtra` may hold for Amazon SES: the SES v2 `SendEmail` / `SendBulkEmail` request fields
 * (PascalCase, as in the SES API reference) that Anymail lets through, deep-merged into the request.
 * Core's one espExtra policy applies: an unknown field (or a wrong value) is AnymailUnsupportedFeature
 * naming the closest valid field. `BulkEmailEntries` is Anymail's (one entry per `to`, read back
 * for the statuses), so it is not here.
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export const sesExtraSchema = z.strictObject({
  FromEmailAddress: text.optional(),
  FromEmailAddressIdentityArn: text.optional(),
  FeedbackForwardingEmailAddress: text.optional(),
  FeedbackForwardingEmailAddressIdentityArn: text.optional(),
  ReplyToAddresses: addressList.optional(),
  Destination: z.strictObject({ ToAddresses: addressList.optional(), CcAddresses: addressList.optional(), BccAddresses: addressList.optional() }).optional(),
  ConfigurationSetName: text.optional(),
  /** SendEmail's message tags. */
  EmailTags: z.array(messageTag).optional(),
  /** SendBulkEmail's message tags (templated messages). */
  DefaultEmailTags: z.array(messageTag).optional(),
  ListManagementOptions: z.strictObject({ ContactListName: text, TopicName: z.string().optional() }).optional(),
  EndpointId: text.optional(),
  TenantName: text.optional(),
  /** SendEmail's content; a message whose espExtra sets it is sent as raw MIME (`Content.Raw`) first. */
  Content: emailContent.optional(),
  /** SendBulkEmail's content (templated messages). */
  DefaultContent: z.strictObject({ Template: template.optional() }).optional(),
});

export type SesExtra = z.infer<typeof sesExtraSchema>;
type SesTemplate = z.infer<typeof template>;

function assertTemplateHeaders(field: string, value: SesTemplate | undefined): void {
  if (value?.Headers) assertHeaderList(`${field}.Headers`, value.Headers);
  assertHeaderValue(`${field}.TemplateContent.Subject`, value?.TemplateContent?.Subject);
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
  const simple = extra.Content?.Simple;
  assertHeaderValue(`${where}.Content.Simple.Subject.Data`, simple?.Subject?.Data);
  if (simple?.Headers) assertHeaderList(`${where}.Content.Simple.Headers`, simple.Headers);
  assertTemplateHeaders(`${where}.Content.Template`, extra.Content?.Template);
  assertTemplateHeaders(`${where}.DefaultContent.Template`, extra.DefaultContent?.Template);
}
