import { AnymailStatus, type EspResponse, type RecipientStatus } from '@anymail/core';
import { z } from 'zod';
import type { SesRequestContext } from './ses-payload.js';

export const sendEmailResponseSchema = z.looseObject({ MessageId: z.string().min(1) });

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
    const { MessageId } = sendEmailResponseSchema.parse(body);
    return AnymailStatus.forAll(context.recipients, 'queued', MessageId, body);
  }
  const { BulkEmailEntryResults: results } = sendBulkEmailResponseSchema.parse(body);
  if (results.length !== context.recipients.length) {
    throw new Error(`SendBulkEmail returned ${results.length} results for ${context.recipients.length} entries`);
  }
  const recipients: Record<string, RecipientStatus> = {};
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
