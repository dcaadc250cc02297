import { AnymailStatus, readJsonBody, type CombinedSend, type EspRequest } from '@anymail/core/esp';
import { transmissionBody, type SparkPostRequestContext } from './sparkpost-payload.js';
import { refusedStatus, sparkPostAnswerSchema, sparkPostStatusName } from './sparkpost-response.js';

/**
 * Messages combined into one transmission at most. SparkPost sets no recipient limit per
 * transmission (its limit is 20 MB of content, which the messages share); this keeps one answer's
 * "all or unknown" reach bounded.
 */
export const SPARKPOST_BATCH_MAX_MESSAGES = 1000;

/**
 * `sendMessages` of several messages with the same content (everything but the recipients:
 * subject, bodies, attachments, headers, metadata, options, template) → one multi-recipient
 * transmission per content, each message's recipients (with their merge data) appended. Messages
 * sent to a stored list are not combined.
 *
 * One transmission has one id and one pair of counts: when every recipient is accepted each
 * message is `queued` with the transmission id; when some are refused SparkPost does not say
 * which, so every message of that transmission gets `unknown` (`rejected` if all were refused).
 */
export function sparkPostCombinedSend(): CombinedSend<SparkPostRequestContext> {
  return {
    maxMessages: SPARKPOST_BATCH_MAX_MESSAGES,
    canCombine: (request) => request.context.listId === undefined && request.context.copies > 0,
    groupKey: (request) => `${request.headers['x-msys-subaccount'] ?? ''}\n${request.context.shared}`,
    build(requests) {
      const first = requests[0]!;
      const parts = requests.map((request) => request.context.recipientsJson.slice(1, -1)).filter((part) => part !== '');
      const recipientsJson = `[${parts.join(',')}]`;
      const context: SparkPostRequestContext = {
        recipients: requests.flatMap((request) => request.context.recipients),
        copies: requests.reduce((total, request) => total + request.context.copies, 0),
        listId: undefined,
        shared: first.context.shared,
        recipientsJson,
      };
      return { ...first, body: transmissionBody(first.context.shared, recipientsJson), context };
    },
    parse(response, combined, parts: readonly EspRequest<SparkPostRequestContext>[]) {
      const body = readJsonBody(response, sparkPostAnswerSchema, { largeIntegers: 'string' });
      if (!('results' in body)) return parts.map((part) => refusedStatus(body, part.context));
      const name = sparkPostStatusName(body, combined.context.copies);
      const id = name === 'rejected' ? null : body.results.id;
      return parts.map((part) => AnymailStatus.forAll(part.context.recipients, name, id, body));
    },
  };
}
