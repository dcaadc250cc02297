// SendGrid v3 Mail Send request body, and the typed `espExtra` that is merged into it.
// Field names are SendGrid's own (snake_case), from `components.requestBodies.PostMailSend`
// of SendGrid's OpenAPI (tsg_mail_v3.json) — https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
import { z } from 'zod';

/** `{ email, name? }` (the spec's MailTo / MailFrom). */
export interface SendGridAddress {
  email: string;
  name?: string;
}

export interface SendGridPersonalization {
  to: SendGridAddress[];
  cc?: SendGridAddress[];
  bcc?: SendGridAddress[];
  from?: SendGridAddress;
  subject?: string;
  headers?: Record<string, string>;
  substitutions?: Record<string, string>;
  dynamic_template_data?: Record<string, unknown>;
  custom_args?: Record<string, string>;
  send_at?: number;
}

export interface SendGridContent {
  type: string;
  value: string;
}

export interface SendGridAttachment {
  content: string;
  filename: string;
  type?: string;
  disposition?: 'inline' | 'attachment';
  content_id?: string;
}

const enableSchema = z.object({ enable: z.boolean().optional() });
const addressSchema = z.strictObject({ email: z.string(), name: z.string().optional() });
const stringRecordSchema = z.record(z.string(), z.string());

/**
 * The `espExtra` a SendGrid message takes: any Mail Send body field (deep-merged into the
 * request, so `{ tracking_settings: { ganalytics: { enable: true } } }` keeps Anymail's
 * click/open settings), plus:
 * - `mergeFieldFormat`: per-message override of the backend option (legacy substitutions);
 * - `personalizations`: an object deep-merged into *every* personalization Anymail builds.
 * Unknown top-level keys are refused, so a typo does not vanish silently.
 */
export const sendGridEspExtraSchema = z.strictObject({
  mergeFieldFormat: z.string().optional(),
  personalizations: z
    .strictObject({
      from: addressSchema.optional(),
      subject: z.string().optional(),
      headers: stringRecordSchema.optional(),
      substitutions: stringRecordSchema.optional(),
      dynamic_template_data: z.record(z.string(), z.unknown()).optional(),
      custom_args: stringRecordSchema.optional(),
      send_at: z.number().int().optional(),
    })
    .optional(),
  from: addressSchema.optional(),
  reply_to: addressSchema.optional(),
  reply_to_list: z.array(addressSchema).optional(),
  subject: z.string().optional(),
  content: z.array(z.strictObject({ type: z.string(), value: z.string() })).optional(),
  attachments: z
    .array(
      z.strictObject({
        content: z.string(),
        filename: z.string(),
        type: z.string().optional(),
        disposition: z.enum(['inline', 'attachment']).optional(),
        content_id: z.string().optional(),
      }),
    )
    .optional(),
  template_id: z.string().optional(),
  headers: stringRecordSchema.optional(),
  categories: z.array(z.string()).optional(),
  custom_args: stringRecordSchema.optional(),
  send_at: z.number().int().optional(),
  batch_id: z.string().optional(),
  asm: z.strictObject({ group_id: z.number().int(), groups_to_display: z.array(z.number().int()).optional() }).optional(),
  ip_pool_name: z.string().optional(),
  mail_settings: z
    .object({
      bypass_list_management: enableSchema.optional(),
      bypass_spam_management: enableSchema.optional(),
      bypass_bounce_management: enableSchema.optional(),
      bypass_unsubscribe_management: enableSchema.optional(),
      footer: enableSchema.extend({ text: z.string().optional(), html: z.string().optional() }).optional(),
      sandbox_mode: enableSchema.optional(),
    })
    .optional(),
  tracking_settings: z
    .object({
      click_tracking: enableSchema.extend({ enable_text: z.boolean().optional() }).optional(),
      open_tracking: enableSchema.extend({ substitution_tag: z.string().optional() }).optional(),
      subscription_tracking: enableSchema
        .extend({ text: z.string().optional(), html: z.string().optional(), substitution_tag: z.string().optional() })
        .optional(),
      ganalytics: enableSchema
        .extend({
          utm_source: z.string().optional(),
          utm_medium: z.string().optional(),
          utm_term: z.string().optional(),
          utm_content: z.string().optional(),
          utm_campaign: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
});

/** What a SendGrid message's `espExtra` may hold (see `sendGridEspExtraSchema`). */
export type SendGridEspExtra = z.input<typeof sendGridEspExtraSchema>;
/** espExtra as checked by the schema (what the payload uses). */
export type SendGridEspExtraParsed = z.output<typeof sendGridEspExtraSchema>;

/** The Mail Send body Anymail builds (message level). */
export type SendGridMailSendBody = Omit<SendGridEspExtra, 'mergeFieldFormat' | 'personalizations'> & {
  personalizations: SendGridPersonalization[];
  from: SendGridAddress;
};
