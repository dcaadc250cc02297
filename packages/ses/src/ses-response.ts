import { AnymailStatus, EspResponseShapeError, jsonResponse, recipientStatusMap, type EspRequest } from '@anymail/core/esp';
import { z } from 'zod';
import type { SesRequestContext } from './ses-payload.js';

export const sendBulkEmailResponseSchema = z.looseObject({
  BulkEmailEntryResults: z.array(
    z.looseObject({
      Status: z.string().optional(),
      Error: z.string().optional(),
      MessageId: z.string().optional(),
    }),
  ),
});

/**
 * SendEmail answers `{MessageId}`, SendBulkEmail `{BulkEmailEntryResults}`: an object, and the
 * request's operation says which field must be there. The body is used as parsed (no copy per
 * message): `MessageId` is checked by hand (one string), the bulk results by their schema.
 */
const sesResponseSchema = z.custom<{ MessageId?: unknown; BulkEmailEntryResults?: unknown }>(
  (body) => typeof body === 'object' && body !== null && !Array.isArray(body),
  { message: 'expected a JSON object' },
);

/**
 * SendEmail: every recipient `queued` under the MessageId. SendBulkEmail: one result per entry,
 * in order; `SUCCESS` is `queued`, any other status `failed` (the error stays in espResponse).
 * An off-schema body throws (the kit turns it into AnymailAPIError ANYMAIL_BAD_RESPONSE).
 */
export const sesResponse = jsonResponse(sesResponseSchema, (body, _response, request: EspRequest<SesRequestContext>) => {
  const { context } = request;
  if (context.operation === 'SendEmail') {
    const messageId = body.MessageId;
    if (typeof messageId !== 'string' || messageId === '') throw new EspResponseShapeError('SendEmail response has no MessageId string');
    return AnymailStatus.forAll(context.recipients, 'queued', messageId, body);
  }
  const parsed = sendBulkEmailResponseSchema.safeParse(body);
  if (!parsed.success) throw new EspResponseShapeError('SendBulkEmail response has no BulkEmailEntryResults list');
  const results = parsed.data.BulkEmailEntryResults;
  if (results.length !== context.recipients.length) {
    throw new EspResponseShapeError(`SendBulkEmail returned ${results.length} results for ${context.recipients.length} entries`);
  }
  const recipients = recipientStatusMap();
  results.forEach((result, index) => {
    recipients[context.recipients[index]!] = {
      status: result.Status === 'SUCCESS' ? 'queued' : 'failed',
      messageId: result.MessageId ?? null,
    };
  });
  const status = new AnymailStatus().setRecipientStatus(recipients);
  status.espResponse = body;
  return status;
});
