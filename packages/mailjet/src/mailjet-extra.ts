import { assertHeaders, assertHeaderValue } from '@anymail/core/esp';
import { z } from 'zod';

const trackingSchema = z.enum(['account_default', 'disabled', 'enabled']);
const contactSchema = z.strictObject({ Email: z.string().min(1), Name: z.string().optional() });

/**
 * What `espExtra` may hold for Mailjet: Send API v3.1 message properties (PascalCase, as in Mailjet's
 * reference), merged into every `Messages` entry this message becomes (one per `to` with mergeData),
 * plus the request-level `SandboxMode`. Properties Anymail sets from the message (From, To, Subject,
 * bodies, attachments) are not here: set them on the message.
 * https://dev.mailjet.com/email/reference/send-emails#v3_1_post_send
 */
export const mailjetExtraSchema = z
  .strictObject({
    /** Validate only: Mailjet answers as if sent (MessageID 0) and sends nothing. Request-level. */
    SandboxMode: z.boolean(),
    /** 0 (bulk) … 3 (critical) sending queue. */
    Priority: z.number().int().min(0).max(3),
    /** Overrides `tags` (Mailjet allows one campaign per message). */
    CustomCampaign: z.string(),
    /** Don't send twice to one contact in the same CustomCampaign. */
    DeduplicateCampaign: z.boolean(),
    TrackOpens: trackingSchema,
    TrackClicks: trackingSchema,
    /** Your own id for the message; comes back as `CustomID` in events. */
    CustomID: z.string(),
    /** Overrides the JSON `metadata` Anymail puts here; comes back as `Payload` in events. */
    EventPayload: z.string(),
    /** Query string added to every tracked link, e.g. `utm_source=newsletter`. */
    URLTags: z.string().max(256),
    MonitoringCategory: z.string(),
    /** Whether `TemplateID` is rendered with Mailjet's template language (Anymail sets true with templateId). */
    TemplateLanguage: z.boolean(),
    /** Where template-language errors are reported. */
    TemplateErrorReporting: contactSchema,
    /** Send even when the template has errors. */
    TemplateErrorDeliver: z.boolean(),
    /** Merged under the message's `Variables` (mergeGlobalData and the recipient's mergeData win). */
    Variables: z.record(z.string(), z.unknown()),
    /** Merged under the message's `Headers` (the message's `headers` win). */
    Headers: z.record(z.string(), z.string()),
  })
  .partial();

export type MailjetExtra = z.infer<typeof mailjetExtraSchema>;

/**
 * espExtra fields Mailjet writes into header lines (Headers, and the X-MJ-* headers it derives from
 * CustomID, EventPayload, CustomCampaign, URLTags), checked with core's one rule for header values.
 */
export function checkMailjetExtra(extra: MailjetExtra): void {
  assertHeaders(extra.Headers, 'Mailjet espExtra.Headers');
  for (const field of ['CustomCampaign', 'CustomID', 'EventPayload', 'URLTags', 'MonitoringCategory'] as const) {
    if (extra[field] !== undefined) assertHeaderValue(`Mailjet espExtra.${field}`, extra[field]);
  }
  if (extra.TemplateErrorReporting) {
    assertHeaderValue('Mailjet espExtra.TemplateErrorReporting.Email', extra.TemplateErrorReporting.Email);
    if (extra.TemplateErrorReporting.Name !== undefined) {
      assertHeaderValue('Mailjet espExtra.TemplateErrorReporting.Name', extra.TemplateErrorReporting.Name);
    }
  }
}
