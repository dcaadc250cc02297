import { expect } from 'vitest';
import { z } from 'zod';

/**
 * The Send API v3.1 request body as Mailjet documents it (there is no OpenAPI document): the field
 * list of "Send API JSON properties" in the Send API v3.1 guide and reference
 * (https://dev.mailjet.com/email/reference/send-emails#v3_1_post_send), with the documented limits
 * (50 messages, 50 addresses per To/Cc/Bcc, Subject ≤ 255, URLTags ≤ 256). Strict: an unknown or
 * misspelt property fails, as it does at Mailjet (mj-0003/mj-0004 family).
 */
const email = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'an email address');
const contact = z.strictObject({ Email: email, Name: z.string().optional() });
const contacts = z.array(contact).min(1).max(50);
const tracking = z.enum(['account_default', 'disabled', 'enabled']);
const attachment = z.strictObject({ ContentType: z.string().min(1), Filename: z.string().min(1), Base64Content: z.base64() });

export const mailjetMessageSchema = z
  .strictObject({
    From: contact.optional(),
    Sender: contact.optional(),
    To: contacts,
    Cc: contacts.optional(),
    Bcc: contacts.optional(),
    ReplyTo: contact.optional(),
    Subject: z.string().max(255).optional(),
    TextPart: z.string().optional(),
    HTMLPart: z.string().optional(),
    TemplateID: z.number().int().positive().optional(),
    TemplateLanguage: z.boolean().optional(),
    TemplateErrorReporting: contact.optional(),
    TemplateErrorDeliver: z.boolean().optional(),
    Variables: z.record(z.string(), z.unknown()).optional(),
    Attachments: z.array(attachment).max(50).optional(),
    InlinedAttachments: z.array(attachment.extend({ ContentID: z.string().min(1) })).max(50).optional(),
    Headers: z.record(z.string(), z.string()).optional(),
    CustomID: z.string().optional(),
    EventPayload: z.string().optional(),
    CustomCampaign: z.string().optional(),
    DeduplicateCampaign: z.boolean().optional(),
    Priority: z.number().int().min(0).max(3).optional(),
    TrackOpens: tracking.optional(),
    TrackClicks: tracking.optional(),
    URLTags: z.string().max(256).optional(),
    MonitoringCategory: z.string().optional(),
  })
  .refine((message) => message.TextPart !== undefined || message.HTMLPart !== undefined || message.TemplateID !== undefined, {
    message: 'At least "HTMLPart", "TextPart" or "TemplateID" must be provided (send-0003)',
  });

export const mailjetSendSchema = z.strictObject({
  Messages: z.array(mailjetMessageSchema).min(1).max(50),
  SandboxMode: z.boolean().optional(),
  AdvanceErrorHandling: z.boolean().optional(),
  Globals: z.record(z.string(), z.unknown()).optional(),
});

/** What is wrong with a body, as readable lines ([] when it is valid). */
export function sendProblems(body: unknown): string[] {
  const parsed = mailjetSendSchema.safeParse(typeof body === 'string' ? JSON.parse(body) : body);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
}

export function expectValidSend(body: unknown): void {
  expect(sendProblems(body)).toEqual([]);
}
