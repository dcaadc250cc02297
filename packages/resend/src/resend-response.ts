import { AnymailAPIError, AnymailStatus, EspResponseShapeError, jsonResponse, recipientStatusMap, type EspRequest, type EspResponse } from '@anymail/core/esp';
import { z } from 'zod';
import type { ResendRecipients, ResendRequestContext } from './resend-payload.js';

/** `POST /emails` → `{"id": "<uuid>"}` (resend.yaml `SendEmailResponse`). */
export const resendEmailResponseSchema = z.object({ id: z.string().min(1) });

/** One email Resend could not create in a permissive batch: its index in the request and why. */
export const resendBatchErrorSchema = z.object({ index: z.number().int().nonnegative(), message: z.string().nullish() });
export type ResendBatchError = z.infer<typeof resendBatchErrorSchema>;

/**
 * `POST /emails/batch` → `{"data": [{"id"}]}` (resend.yaml `CreateBatchEmailsResponse`). Anymail sends
 * `x-batch-validation: permissive`: valid emails are created and listed in `data` (in request order),
 * the others in `errors: [{index, message}]` (https://resend.com/docs/dashboard/emails/batch-validation-modes).
 */
export const resendBatchResponseSchema = z.object({ data: z.array(resendEmailResponseSchema), errors: z.array(resendBatchErrorSchema).nullish() });
export type ResendBatchResponse = z.infer<typeof resendBatchResponseSchema>;

export type ResendEmailResponse = z.infer<typeof resendEmailResponseSchema>;

/**
 * Resend accepted the email and queued it: `queued`, with its id, for every recipient (Resend's later
 * events say `sent`, `delivered`, `bounced`... for each). It never refuses single recipients at send time;
 * suppressed addresses come back as `email.suppressed` webhook events.
 */
export function queuedStatus(recipients: ResendRecipients, id: string, espResponse: unknown): AnymailStatus {
  return AnymailStatus.forAll([...recipients.to, ...recipients.cc, ...recipients.bcc], 'queued', id, espResponse);
}

/** An email Resend refused in a permissive batch: every recipient `failed`, the error entry kept. */
function failedStatus(recipients: ResendRecipients, error: ResendBatchError): AnymailStatus {
  return AnymailStatus.forAll([...recipients.to, ...recipients.cc, ...recipients.bcc], 'failed', null, error);
}

/**
 * The statuses of a batch answer, one per email of the request, in order: the `errors` entries by index,
 * the others from `data` in turn. Ids and errors must add up to the emails sent.
 */
export function batchStatuses(body: ResendBatchResponse, emails: readonly ResendRecipients[]): AnymailStatus[] {
  const errors = new Map((body.errors ?? []).map((error) => [error.index, error]));
  if (body.data.length + errors.size !== emails.length || [...errors.keys()].some((index) => index >= emails.length)) {
    throw new EspResponseShapeError(`${body.data.length} batch ids and ${errors.size} errors for ${emails.length} emails`);
  }
  let next = 0;
  return emails.map((recipients, index) => {
    const error = errors.get(index);
    if (error) return failedStatus(recipients, error);
    const entry = body.data[next++]!;
    return queuedStatus(recipients, entry.id, entry);
  });
}

/** A merge send whose every email Resend refused: one error, as a single email would get. */
function refusedBatch(body: ResendBatchResponse, response: EspResponse): AnymailAPIError {
  const first = body.errors?.[0]?.message ?? '(no message)';
  return new AnymailAPIError(`Resend API response ${response.statusCode}: every email of the batch was refused; the first: ${first}`, {
    code: 'RESEND_BATCH_VALIDATION_ERROR',
    category: 'invalid-request',
    statusCode: response.statusCode,
    responseBody: response.text(),
    espName: 'Resend',
    deliveryUnknown: false,
  });
}

export const resendResponse = jsonResponse(
  z.union([resendBatchResponseSchema, resendEmailResponseSchema]),
  (body, response, request: EspRequest<ResendRequestContext>) => {
    const { endpoint, emails } = request.context;
    if (endpoint === 'emails') {
      if (!('id' in body)) throw new EspResponseShapeError('a batch answer to a single email');
      return queuedStatus(emails[0]!, body.id, body);
    }
    if (!('data' in body)) throw new EspResponseShapeError('a single-email answer to a batch');
    // A merge send (one message, one email per recipient): every email's recipients in one status.
    const statuses = batchStatuses(body, emails);
    if (body.data.length === 0) throw refusedBatch(body, response);
    const recipients = recipientStatusMap();
    for (const status of statuses) Object.assign(recipients, status.recipients);
    const status = new AnymailStatus().setRecipientStatus(recipients);
    status.espResponse = body;
    return status;
  },
);
