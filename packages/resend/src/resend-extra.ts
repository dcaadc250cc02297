import { assertAddressHeader, assertHeaders, assertHeaderValue } from '@anymail/core/esp';
import { z } from 'zod';

/**
 * Resend's rule for a tag's name and value: "ASCII letters (a–z, A–Z), numbers (0–9), underscores (_),
 * or dashes (-)", at most 256 characters (resend.yaml `components.schemas.Tag`).
 */
const TAG_TEXT = /^[A-Za-z0-9_-]{1,256}$/;
const tagText = (what: string) =>
  z.string().regex(TAG_TEXT, `a Resend tag ${what} holds only ASCII letters, digits, "_" and "-" (1 to 256 of them)`);

/** One native Resend tag (`tags: [{ name, value }]`), shown in Resend's dashboard and in webhooks' `data.tags`. */
export const resendTagSchema = z.object({ name: tagText('name'), value: tagText('value') }).strict();
export type ResendTag = z.infer<typeof resendTagSchema>;

/**
 * What `espExtra` may hold for Resend: Anymail's per-message `idempotencyKey` (camelCase, sent as
 * the `Idempotency-Key` header), plus fields of Resend's send-email API (snake_case, as on the
 * wire), merged into each request body: `tags` and `headers` are added to what Anymail builds,
 * the others replace it.
 * https://resend.com/docs/api-reference/emails/send-email
 */
export const resendExtraSchema = z
  .object({
    /**
     * Resend sends a request with a key it has seen in the last 24 hours only once, answering the
     * first response again (the same key with another body: HTTP 409). At most 256 characters.
     * https://resend.com/docs/dashboard/emails/idempotency-keys
     */
    idempotencyKey: z.string().min(1).max(256),
    /** Native Resend tags (not Anymail's `tags`, which travel in an `X-Tags` header). */
    tags: z.array(resendTagSchema),
    /** Scope the email to a topic (contacts opted out of it are skipped). */
    topic_id: z.string().min(1),
    /** More custom headers. */
    headers: z.record(z.string(), z.string()),
    /** Reply-To addresses (replaces the message's `replyTo`). */
    reply_to: z.union([z.string(), z.array(z.string())]),
  })
  .partial()
  .strict();

export type ResendExtra = z.infer<typeof resendExtraSchema>;

/** espExtra fields Resend writes into header lines, checked with core's one rule for header values (issue #13). */
export function checkResendExtra(extra: ResendExtra): void {
  assertHeaderValue('Resend espExtra.idempotencyKey', extra.idempotencyKey);
  assertHeaders(extra.headers, 'Resend espExtra.headers');
  const replyTo = extra.reply_to === undefined ? [] : Array.isArray(extra.reply_to) ? extra.reply_to : [extra.reply_to];
  replyTo.forEach((address, index) => assertAddressHeader(`Resend espExtra.reply_to[${index}]`, address));
}

/**
 * Resend has no metadata field and its native tags allow few characters, so Anymail's `metadata` (a JSON
 * object) and `tags` (a JSON array) travel as custom headers, which Resend's webhooks echo in `data.headers`.
 * Recipients can see them with "show original": keep secrets out of them.
 */
export const RESEND_METADATA_HEADER = 'X-Metadata';
export const RESEND_TAGS_HEADER = 'X-Tags';
