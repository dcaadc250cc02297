import { assertHeaderValue, assertHeaders } from '@anymail/core/esp';
import { z } from 'zod';

/** A Brevo attachment given as a URL Brevo fetches (`{url, name}`), or base64 content. */
const attachmentSchema = z.union([
  z.strictObject({ url: z.url(), name: z.string().min(1).optional() }),
  z.strictObject({ content: z.base64(), name: z.string().min(1) }),
]);

/**
 * What `espExtra` may hold for Brevo: fields of Brevo's `sendSmtpEmail` request
 * (https://developers.brevo.com/reference/sendtransacemail), merged into the request Anymail
 * builds. `headers`, `params` and `tags` are merged with Anymail's own (espExtra wins per key);
 * `attachment` entries are added after the message's attachments.
 */
export const brevoExtraSchema = z
  .strictObject({
    /** A sender id instead of the From address (dedicated-IP accounts): `{ id }`; From's name and address are dropped. */
    sender: z.strictObject({ id: z.number().int().positive() }),
    /** UUIDv4 grouping scheduled sends (to cancel them together with `DELETE /v3/smtp/email/{batchId}`). */
    batchId: z.uuid(),
    /** Custom headers, e.g. `{ 'sender.ip': '1.2.3.4' }` or Brevo's `idempotencyKey`. */
    headers: z.record(z.string(), z.string()),
    /** Template params merged over `mergeGlobalData`. */
    params: z.record(z.string(), z.unknown()),
    tags: z.array(z.string().min(1)),
    /** Attachments Brevo downloads itself: `[{ url, name? }]`. */
    attachment: z.array(attachmentSchema),
  })
  .partial();

export type BrevoExtra = z.infer<typeof brevoExtraSchema>;

/** espExtra fields Brevo writes into header lines, checked with core's one rule for header values. */
export function checkBrevoExtra(extra: BrevoExtra): void {
  assertHeaders(extra.headers, 'Brevo espExtra.headers');
  for (const tag of extra.tags ?? []) assertHeaderValue('Brevo espExtra.tags', tag);
  for (const item of extra.attachment ?? []) if (item.name !== undefined) assertHeaderValue('Brevo espExtra.attachment name', item.name);
}
