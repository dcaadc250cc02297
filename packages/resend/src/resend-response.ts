import { AnymailStatus, EspResponseShapeError, jsonResponse, recipientStatusMap, type EspRequest } from '@anymail/core/esp';
import { z } from 'zod';
import type { ResendRecipients, ResendRequestContext } from './resend-payload.js';

/** `POST /emails` → `{"id": "<uuid>"}` (resend.yaml `SendEmailResponse`). */
export const resendEmailResponseSchema = z.object({ id: z.string().min(1) });

/**
 * `POST /emails/batch` → `{"data": [{"id"}]}` in request order (resend.yaml `CreateBatchEmailsResponse`).
 * With `x-batch-validation: permissive` it would also hold `errors`; Anymail sends strict batches (the default),
 * which Resend accepts or refuses as a whole.
 */
export const resendBatchResponseSchema = z.object({ data: z.array(resendEmailResponseSchema) });

export type ResendEmailResponse = z.infer<typeof resendEmailResponseSchema>;

/**
 * Resend accepted the email and queued it: `queued`, with its id, for every recipient (Resend's later
 * events say `sent`, `delivered`, `bounced`... for each). It never refuses single recipients at send time;
 * suppressed addresses come back as `email.suppressed` webhook events.
 */
export function queuedStatus(recipients: ResendRecipients, id: string, espResponse: unknown): AnymailStatus {
  return AnymailStatus.forAll([...recipients.to, ...recipients.cc, ...recipients.bcc], 'queued', id, espResponse);
}

/** The statuses of a batch answer, one per email sent, in order. */
export function batchStatuses(data: readonly ResendEmailResponse[], emails: readonly ResendRecipients[]): AnymailStatus[] {
  if (data.length !== emails.length) throw new EspResponseShapeError(`${data.length} batch ids for ${emails.length} emails`);
  return data.map((entry, index) => queuedStatus(emails[index]!, entry.id, entry));
}

export const resendResponse = jsonResponse(
  z.union([resendBatchResponseSchema, resendEmailResponseSchema]),
  (body, _response, request: EspRequest<ResendRequestContext>) => {
    const { endpoint, emails } = request.context;
    if (endpoint === 'emails') {
      if (!('id' in body)) throw new EspResponseShapeError('a batch answer to a single email');
      return queuedStatus(emails[0]!, body.id, body);
    }
    if (!('data' in body)) throw new EspResponseShapeError('a single-email answer to a batch');
    // A per-recipient batch of one message: every email's recipients in one status.
    const recipients = recipientStatusMap();
    for (const status of batchStatuses(body.data, emails)) Object.assign(recipients, status.recipients);
    const status = new AnymailStatus().setRecipientStatus(recipients);
    status.espResponse = body;
    return status;
  },
);
