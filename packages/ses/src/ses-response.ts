import { AnymailStatus, recipientStatusMap, type EspResponse } from '@anymail/core';
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
 * SendEmail: every recipient `queued` under the MessageId. SendBulkEmail: one result per entry,
 * in order; `SUCCESS` is `queued`, any other status `failed` (the error stays in espResponse).
 * An off-schema body throws (core turns it into AnymailAPIError).
 */
export function parseSesResponse(response: EspResponse, context: SesRequestContext): AnymailStatus {
  const body = response.json();
  if (context.operation === 'SendEmail') {
    // Checked by hand: this runs once per message, and the shape is one string.
    const messageId = typeof body === 'object' && body !== null ? (body as { MessageId?: unknown }).MessageId : undefined;
    if (typeof messageId !== 'string' || messageId === '') throw new Error('SendEmail response has no MessageId string');
    return AnymailStatus.forAll(context.recipients, 'queued', messageId, body);
  }
  const { BulkEmailEntryResults: results } = sendBulkEmailResponseSchema.parse(body);
  if (results.length !== context.recipients.length) {
    throw new Error(`SendBulkEmail returned ${results.length} results for ${context.recipients.length} entries`);
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
}
