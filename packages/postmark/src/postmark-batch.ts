import type { AnymailStatus, CombinedSend, EspRequest, EspResponse } from '@anymail/core/esp';
import type { PostmarkSettings } from './postmark-options.js';
import type { PostmarkRequestContext } from './postmark-payload.js';
import { readBatchResults, statusFromBatchEntry } from './postmark-response.js';

/** Postmark takes at most 500 messages per `email/batch` request. */
export const POSTMARK_BATCH_MAX_MESSAGES = 500;
/**
 * Largest single-message body combined into a batch: 500 × 100 kB stays under the 50 MB batch
 * limit (https://postmarkapp.com/developer/user-guide/send-email-with-api/batch-emails).
 * Bigger messages (attachments) are sent on their own.
 */
export const POSTMARK_BATCH_MAX_PART_BYTES = 100_000;

function bodyText(request: EspRequest): string {
  return typeof request.body === 'string' ? request.body : Buffer.from(request.body ?? new Uint8Array()).toString('utf8');
}

function fitsInBatch(body: EspRequest['body']): boolean {
  if (typeof body !== 'string') return false;
  // Three UTF-8 bytes per UTF-16 unit at most: count bytes only when it could matter.
  return body.length * 3 <= POSTMARK_BATCH_MAX_PART_BYTES || Buffer.byteLength(body) <= POSTMARK_BATCH_MAX_PART_BYTES;
}

/**
 * `sendMessages` of several plain messages → `email/batch` requests of up to 500, each
 * message's status read from its own entry of the answer (the entries keep request order).
 * Only plain `email` requests sent with the backend's own server token are combined.
 */
export function postmarkCombinedSend({ serverToken }: Pick<PostmarkSettings, 'serverToken'>): CombinedSend<PostmarkRequestContext> {
  return {
    maxMessages: POSTMARK_BATCH_MAX_MESSAGES,
    canCombine(request) {
      const { context } = request;
      return context.endpoint === 'email' && context.serverToken === serverToken && fitsInBatch(request.body);
    },
    build(requests) {
      const context: PostmarkRequestContext = {
        endpoint: 'email/batch',
        messages: requests.map((request) => request.context.messages[0]!),
        serverToken,
      };
      // Each part is already one JSON message: join them rather than parse and re-serialize.
      const body = `[${requests.map(bodyText).join(',')}]`;
      return { method: 'POST', path: 'email/batch', headers: requests[0]!.headers, body, context };
    },
    parse(response: EspResponse, combined, parts): AnymailStatus[] {
      const results = readBatchResults(response);
      const { messages } = combined.context;
      if (results.length !== parts.length) {
        throw new TypeError(`Postmark answered ${results.length} batch results for ${parts.length} messages`);
      }
      return results.map((result, index) => statusFromBatchEntry(result, messages[index]!));
    },
  };
}
