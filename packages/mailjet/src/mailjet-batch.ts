import { AnymailStatus, readJsonBody, type AnymailError, type CombinedSend, type EspResponse } from '@anymail/core/esp';
import type { MailjetSettings } from './mailjet-options.js';
import { sendBody, type MailjetRequestContext } from './mailjet-payload.js';
import { mailjetSendResponseSchema, readEntry, refusedError } from './mailjet-response.js';

/** Send API v3.1 takes at most 50 entries in `Messages` (mj-0008 beyond; https://dev.mailjet.com/email/reference/send-emails/). */
export const MAILJET_BATCH_MAX_MESSAGES = 50;
/**
 * Largest single-message body combined into a batch. Mailjet refuses a payload over its limit (mj-0011)
 * and attachments over 15 MB in all; 50 × 256 kB stays well under both. Bigger messages go alone.
 */
export const MAILJET_BATCH_MAX_PART_BYTES = 256 * 1024;

function fitsInBatch(body: string | Uint8Array | undefined): boolean {
  if (typeof body !== 'string') return false;
  // Three UTF-8 bytes per UTF-16 unit at most: count bytes only when it could matter.
  return body.length * 3 <= MAILJET_BATCH_MAX_PART_BYTES || Buffer.byteLength(body) <= MAILJET_BATCH_MAX_PART_BYTES;
}

/**
 * `sendMessages` of several messages → one `Messages` array of up to 50 per request. Mailjet handles
 * each entry on its own and answers them in order, so each message's result comes from its own entry:
 * partial success is normal, and a refused message fails with its own AnymailAPIError (Mailjet's
 * codes and category, as if sent alone) while its neighbours are sent. Only single-entry messages (not
 * merge sends, which are already one entry per `to`) under 256 kB are combined, sandbox ones apart.
 */
export function mailjetCombinedSend(_settings: MailjetSettings): CombinedSend<MailjetRequestContext, AnymailStatus | AnymailError> {
  return {
    maxMessages: MAILJET_BATCH_MAX_MESSAGES,
    canCombine: (request) => request.context.entries.length === 1 && fitsInBatch(request.body),
    // SandboxMode is request-level: sandbox messages are combined only with each other.
    groupKey: (request) => (request.context.sandbox ? 'sandbox' : 'live'),
    build(requests) {
      const messagesJson = requests.map((request) => request.context.messagesJson).join(',');
      const sandbox = requests[0]!.context.sandbox;
      const context: MailjetRequestContext = { entries: requests.map((request) => request.context.entries[0]!), messagesJson, sandbox };
      return { method: 'POST', path: 'send', headers: requests[0]!.headers, body: sendBody(messagesJson, sandbox), context };
    },
    parse(response: EspResponse, combined, parts) {
      const { Messages: results } = readJsonBody(response, mailjetSendResponseSchema, { largeIntegers: 'string' });
      if (results.length !== parts.length) throw new TypeError(`Mailjet answered ${results.length} results for ${parts.length} messages`);
      return results.map((result, index) => {
        const recipients = combined.context.entries[index]!;
        const reading = readEntry(result, recipients);
        if ('errors' in reading) return refusedError(reading.errors, response);
        const status = new AnymailStatus().setRecipientStatus(reading.recipients);
        status.espResponse = result;
        return status;
      });
    },
  };
}
