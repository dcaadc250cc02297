import { readJsonBody, type AnymailStatus, type CombinedSend, type EspRequest, type EspResponse } from '@anymail/core/esp';
import { RESEND_BATCH_HEADERS, type ResendRequestContext } from './resend-payload.js';
import { batchStatuses, resendBatchResponseSchema } from './resend-response.js';

/** Resend's `/emails/batch` takes "up to 100" emails (resend.yaml). */
export const RESEND_BATCH_MAX_MESSAGES = 100;

function bodyText(request: EspRequest): string {
  return typeof request.body === 'string' ? request.body : Buffer.from(request.body ?? new Uint8Array()).toString('utf8');
}

/**
 * `sendMessages` of several messages → `POST /emails/batch` requests of up to 100, each message's status
 * from its own entry of `data` (in request order). Only plain emails are combined: not those with
 * attachments or `sendAt` (which Resend's batch refuses), nor those with an `idempotencyKey` (the key
 * belongs to that one request). Batches are validated permissively: a message Resend refuses gets status
 * `failed` (its `espResponse` the error entry) and the others are sent.
 */
export function resendCombinedSend(): CombinedSend<ResendRequestContext> {
  return {
    maxMessages: RESEND_BATCH_MAX_MESSAGES,
    canCombine: (request) => request.context.combinable,
    build(requests): EspRequest<ResendRequestContext> {
      const context: ResendRequestContext = {
        endpoint: 'emails/batch',
        emails: requests.map((request) => request.context.emails[0]!),
        combinable: false,
      };
      // Each part is already one JSON email: join them rather than parse and re-serialize.
      const body = `[${requests.map(bodyText).join(',')}]`;
      return { method: 'POST', path: 'emails/batch', headers: { ...requests[0]!.headers, ...RESEND_BATCH_HEADERS }, body, context };
    },
    parse(response: EspResponse, combined): AnymailStatus[] {
      return batchStatuses(readJsonBody(response, resendBatchResponseSchema), combined.context.emails);
    },
  };
}
