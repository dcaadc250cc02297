import { AnymailStatus, jsonResponse, recipientStatusMap, type EspRequest } from '@anymail/core/esp';
import { z } from 'zod';
import type { BrevoRecipients, BrevoRequestContext } from './brevo-request.js';
import type { BrevoSettings } from './brevo-options.js';

/**
 * 201 `createSmtpEmail` / 202 `scheduleSmtpEmail`: `messageId` for one message, `messageIds` (one per
 * `messageVersions` entry, in order) for a batch; `batchId` when scheduled. Brevo's own example shows
 * both ids at once, so neither is required here; `statusFromIds` checks that the ids fit the request.
 */
export const brevoSendSchema = z.object({
  messageId: z.string().nullish(),
  messageIds: z.array(z.string()).nullish(),
  batchId: z.string().nullish(),
});
export type BrevoSendResult = z.infer<typeof brevoSendSchema>;

/** The message id of each version, in order; throws (→ ANYMAIL_BAD_RESPONSE) when Brevo's answer does not fit the request. */
export function versionIds(body: BrevoSendResult, versions: number, batch: boolean): string[] {
  const ids = body.messageIds?.filter((id) => id !== '') ?? [];
  if (batch || versions > 1) {
    if (ids.length === versions) return ids;
    if (versions === 1 && body.messageId) return [body.messageId];
    throw new Error(`Brevo answered ${ids.length} messageIds for ${versions} message versions`);
  }
  if (body.messageId) return [body.messageId];
  if (ids.length === 1) return ids;
  throw new Error('Brevo answered neither messageId nor messageIds');
}

/**
 * The status of the versions in `recipients`: each recipient gets its version's message id.
 * Brevo queues the mail (it reports blocked or bounced recipients only later, by webhook), so
 * every recipient is `queued`; a cc/bcc recipient copied on several versions gets the first id.
 */
export function statusFromIds(ids: readonly string[], recipients: readonly BrevoRecipients[], espResponse: unknown): AnymailStatus {
  const statuses = recipientStatusMap();
  recipients.forEach((version, index) => {
    const messageId = ids[index] ?? null;
    for (const address of [...version.to, ...version.cc, ...version.bcc]) statuses[address] ??= { status: 'queued', messageId };
  });
  const status = new AnymailStatus().setRecipientStatus(statuses);
  status.espResponse = espResponse;
  return status;
}

/** A 201/202 answer → the status of the request's message. */
export const brevoResponse = jsonResponse(brevoSendSchema, (body, _response, request: EspRequest<BrevoRequestContext>, _settings: BrevoSettings) => {
  const { recipients, batch } = request.context;
  return statusFromIds(versionIds(body, recipients.length, batch), recipients, body);
});
