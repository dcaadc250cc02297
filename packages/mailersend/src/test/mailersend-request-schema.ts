import { z } from 'zod';

/**
 * MailerSend's `POST /v1/email` body as documented (MailerSend publishes no OpenAPI document):
 * field names and limits from its email API reference and SDKs, as collected in ESP-APIS.md §11.
 * Strict, so a misspelt field fails here instead of being ignored by MailerSend. The fake
 * MailerSend answers 422 with these problems, worded the way MailerSend words `errors`.
 */
const email = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be a valid email address');
/** MailerSend refuses recipient names holding `;` or `,`. */
const recipient = z.strictObject({ email, name: z.string().regex(/^[^;,]*$/, 'may not contain ; or ,').nullish() });

export const mailerSendEmailSchema = z
  .strictObject({
    from: z.strictObject({ email, name: z.string().nullish() }).optional(),
    to: z.array(recipient).min(1).max(50),
    cc: z.array(recipient).max(10).optional(),
    bcc: z.array(recipient).max(10).optional(),
    reply_to: z.strictObject({ email, name: z.string().nullish() }).optional(),
    subject: z.string().min(1).max(998).optional(),
    text: z.string().optional(),
    html: z.string().optional(),
    template_id: z.string().min(1).optional(),
    tags: z.array(z.string().min(1).max(191)).max(5).optional(),
    personalization: z.array(z.strictObject({ email, data: z.record(z.string(), z.unknown()) })).optional(),
    attachments: z
      .array(
        z.strictObject({
          content: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
          filename: z.string().min(1),
          disposition: z.enum(['attachment', 'inline']).optional(),
          id: z.string().min(1).optional(),
        }),
      )
      .optional(),
    send_at: z.number().int().positive().optional(),
    in_reply_to: z.string().optional(),
    references: z.array(z.string()).optional(),
    precedence_bulk: z.boolean().optional(),
    list_unsubscribe: z.string().optional(),
    headers: z.array(z.strictObject({ name: z.string().regex(/^[!-9;-~]+$/), value: z.string() })).optional(),
    settings: z.strictObject({ track_clicks: z.boolean(), track_opens: z.boolean(), track_content: z.boolean() }).partial().optional(),
  })
  .superRefine((body, context) => {
    if (body.template_id === undefined) {
      if (body.from === undefined) context.addIssue({ code: 'custom', path: ['from', 'email'], message: 'The from.email field is required.' });
      if (body.subject === undefined) context.addIssue({ code: 'custom', path: ['subject'], message: 'The subject field is required.' });
      if (body.text === undefined && body.html === undefined) {
        context.addIssue({ code: 'custom', path: ['text'], message: 'The text field is required when none of html / template id are present.' });
      }
    }
    for (const [index, attachment] of (body.attachments ?? []).entries()) {
      if (attachment.disposition === 'inline' && attachment.id === undefined) {
        context.addIssue({ code: 'custom', path: ['attachments', index, 'id'], message: 'An inline attachment needs an id.' });
      }
    }
  });

/** MailerSend schedules at most 72 hours ahead. */
const SEND_AT_HORIZON_MS = 72 * 3600 * 1000;

export type MailerSendEmailBody = z.infer<typeof mailerSendEmailSchema>;

/**
 * The problems MailerSend would report, as its `errors` object: `{"to.0.email": ["…"]}`. `now`
 * is the clock the 72-hour `send_at` horizon is measured from.
 */
export function mailerSendRequestErrors(body: unknown, now: number = Date.now()): Record<string, string[]> {
  const parsed = mailerSendEmailSchema.safeParse(body);
  if (parsed.success) {
    const sendAt = parsed.data.send_at;
    if (sendAt !== undefined && sendAt * 1000 > now + SEND_AT_HORIZON_MS + 60_000) {
      return { send_at: ['The send at may not be more than 72 hours in the future.'] };
    }
    return {};
  }
  const errors: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key].join('.')) : [issue.path.join('.') || 'body'];
    // Worded as MailerSend words them: "The to.0.email must be a valid email address."
    const problem = issue.code === 'unrecognized_keys' ? 'is not a known field.' : issue.message;
    for (const key of keys) (errors[key] ??= []).push(problem.startsWith('The ') ? problem : `The ${key} ${problem}`);
  }
  return errors;
}
