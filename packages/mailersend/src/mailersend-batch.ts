import type { AnymailStatus, CombinedSend, EspRequest, EspResponse } from '@anymail/core/esp';
import { MAILERSEND_BULK_MAX_MESSAGES, type MailerSendSettings } from './mailersend-options.js';
import type { MailerSendRequestContext } from './mailersend-payload.js';
import { bulkStatus, readBulkAnswer } from './mailersend-response.js';

/**
 * Largest single-message body combined into a bulk request. MailerSend documents no size limit for
 * bulk-email; 500 × 100 kB keeps a request near the 50 MB other ESPs allow. Bigger messages
 * (attachments) are sent on their own.
 */
export const MAILERSEND_BULK_MAX_PART_BYTES = 100_000;

function fitsInBulk(body: EspRequest['body']): boolean {
  if (typeof body !== 'string') return false;
  // Three UTF-8 bytes per UTF-16 unit at most: count bytes only when it could matter.
  return body.length * 3 <= MAILERSEND_BULK_MAX_PART_BYTES || Buffer.byteLength(body) <= MAILERSEND_BULK_MAX_PART_BYTES;
}

function bodyText(request: EspRequest): string {
  return typeof request.body === 'string' ? request.body : Buffer.from(request.body ?? new Uint8Array()).toString('utf8');
}

/**
 * `sendMessages` of several messages → `POST bulk-email` requests of up to 500 messages. MailerSend
 * answers with one `bulk_email_id` and checks the messages later, so each message's recipients are
 * `queued` under `bulk:<bulk_email_id>`; refusals show up in `GET /v1/bulk-email/{id}` or the
 * `bulk_email.completed` webhook. Combined: plain `email` requests sent with the backend's own token,
 * when `bulkSendMessages` is on (the default). A message that is itself a bulk send (mergeData with
 * `use-bulk-email`) goes on its own.
 */
export function mailerSendCombinedSend({ apiToken, bulkSendMessages }: Pick<MailerSendSettings, 'apiToken' | 'bulkSendMessages'>): CombinedSend<MailerSendRequestContext> {
  return {
    maxMessages: MAILERSEND_BULK_MAX_MESSAGES,
    canCombine(request) {
      const { context } = request;
      return bulkSendMessages && context.endpoint === 'email' && context.apiToken === apiToken && fitsInBulk(request.body);
    },
    build(requests) {
      const context: MailerSendRequestContext = {
        endpoint: 'bulk-email',
        messages: requests.map((request) => request.context.messages[0]!),
        apiToken,
      };
      // Each part is already one JSON message: join them rather than parse and re-serialize.
      const body = `[${requests.map(bodyText).join(',')}]`;
      return { method: 'POST', path: 'bulk-email', headers: requests[0]!.headers, body, context };
    },
    parse(response: EspResponse, combined): AnymailStatus[] {
      const { bulkEmailId, espResponse } = readBulkAnswer(response);
      return combined.context.messages.map((recipients) => bulkStatus([recipients], bulkEmailId, espResponse));
    },
  };
}
