import { AnymailWebhookValidationFailure, parseJsonLossless } from '@anymail/core';

/**
 * Parse a Mailjet webhook body (Event API or Parse API) keeping integers beyond 2^53 (MessageID) as
 * strings of their exact digits; malformed JSON is a 400.
 */
export function readMailjetJson(text: string, what: 'webhook' | 'inbound'): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    throw new AnymailWebhookValidationFailure(`Mailjet ${what} body is not valid JSON`, { statusCode: 400, espName: 'Mailjet' });
  }
}
