// SendGrid error responses → message, category and retry delay. SendGrid's error body has no
// machine-readable codes (`{"errors":[{"message","field","help"}]}`), so the HTTP status is the
// only classifier; this table adds what each status means for the user and what to do.
// https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors
import { classifyHttpStatus, parseRetryAfter, type ErrorDescription, type ErrorHandler, type EspResponse, type FailureCategory } from '@anymail/core/esp';
import { parseSendGridErrors } from './sendgrid-response.js';

interface StatusMeaning {
  category?: FailureCategory;
  hint: string;
}

export const sendGridStatusTable: Readonly<Record<number, StatusMeaning>> = {
  400: { hint: 'SendGrid refused the request as invalid; fix the fields named above' },
  401: { category: 'auth', hint: 'check the apiKey (SENDGRID_API_KEY)' },
  403: { category: 'auth', hint: 'the API key lacks the Mail Send permission, or the from address is not a verified sender' },
  404: { hint: 'check apiUrl: it should end in /v3/' },
  413: { category: 'invalid-request', hint: 'the message is over SendGrid’s 30 MB limit; send smaller attachments' },
  429: { category: 'rate-limit', hint: 'SendGrid’s rate limit; retry after the delay' },
};

/** Delay before retrying: `Retry-After`, else `X-RateLimit-Reset` (epoch seconds), in ms from now. */
export function sendGridRetryAfterMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(headers['x-ratelimit-reset']);
  if (!headers['x-ratelimit-reset'] || !Number.isFinite(reset)) return undefined;
  return Math.max(0, Math.round(reset * 1000 - now));
}

/** Describe an error response for core's AnymailAPIError. */
export function describeSendGridError(response: EspResponse): ErrorDescription {
  const meaning = sendGridStatusTable[response.statusCode];
  const messages = parseSendGridErrors(response.text());
  const detail = messages.length > 0 ? messages.join('; ') : response.text().slice(0, 300) || '(empty body)';
  const category = meaning?.category ?? classifyHttpStatus(response.statusCode);
  return {
    message: meaning ? `${detail} (${meaning.hint})` : detail,
    category,
    retryAfterMs: category === 'rate-limit' ? sendGridRetryAfterMs(response.headers) : undefined,
  };
}

/** The definition's error handler: SendGrid's `{errors:[...]}` body plus the status table above. */
export const sendGridErrors: ErrorHandler = { describe: describeSendGridError };
