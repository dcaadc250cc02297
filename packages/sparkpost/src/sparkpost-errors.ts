import { classifyHttpStatus, jsonErrors, parseRetryAfter, type EspResponse, type FailureCategory } from '@anymail/core/esp';
import { z } from 'zod';

/** SparkPost's error body: `{"errors": [{"message", "code", "description"?}]}` (codes are strings). */
export const sparkPostErrorBodySchema = z.object({
  errors: z
    .array(
      z.object({
        message: z.string().nullish(),
        code: z.union([z.string(), z.number()]).nullish(),
        description: z.string().nullish(),
      }),
    )
    .min(1),
});
export type SparkPostErrorBody = z.infer<typeof sparkPostErrorBodySchema>;

/**
 * SparkPost extended error `code` → failure category, from SparkPost's "Extended Error Codes" table
 * (https://support.sparkpost.com/docs/tech-resources/extended-error-codes) and the transmissions
 * API reference. Account, key and sending-domain problems are `auth`: a person must fix them, and
 * another ESP may still send. Problems with the message itself are `invalid-request`. Codes not
 * listed fall back to the HTTP status's category.
 */
export const SPARKPOST_ERROR_CATEGORIES: Readonly<Record<string, FailureCategory>> = {
  '1100': 'auth', // permission denied (the API key lacks Transmissions: Read/Write) — 403
  '1200': 'invalid-request', // invalid params
  '1300': 'invalid-request', // invalid data format/type/length
  '1301': 'invalid-request', // invalid combination of fields (e.g. content and template_id)
  '1303': 'auth', // invalid customer id, unauthorized tenant
  '1304': 'auth', // invalid user id, unauthorized user
  '1305': 'invalid-request', // input data not UTF-8
  '1400': 'invalid-request', // required field is missing
  '1401': 'invalid-request', // required parameter missing
  '1500': 'server', // failed to update database
  '1501': 'server', // failed to read from database
  '1502': 'server', // server resources unavailable (SparkPost: "retry later", though it answers 400)
  '1601': 'auth', // no license
  '1603': 'invalid-request', // subresource not found (template, A/B test, recipient list)
  '1900': 'server', // message generation module not available (503)
  '1901': 'invalid-request', // message failed to generate
  '1902': 'invalid-request', // message generation rejected
  '1910': 'auth', // message generation not configured (account setup)
  '2002': 'invalid-request', // substitution data too large
  '2004': 'invalid-request', // no draft version of the template
  '2005': 'invalid-request', // no published version of the template
  '2101': 'rate-limit', // exceed sending limit (hourly) — 420, nothing sent
  '2102': 'rate-limit', // exceed sending limit (daily)
  '2103': 'rate-limit', // exceed sending limit (sandbox)
  '2106': 'invalid-request', // invalid template id (sandbox)
  '3000': 'invalid-request', // template language syntax error
  '3001': 'invalid-request', // template language render error
  '3002': 'invalid-request', // invalid header
  '3010': 'invalid-request', // template MIME construction error
  '3020': 'invalid-request', // template MIME parsing error
  '3040': 'invalid-request', // template content is corrupt
  '3050': 'invalid-request', // template HTML content is invalid
  '5002': 'recipients-refused', // no valid recipients in list
  '7000': 'auth', // sending domain blacklisted
  '7001': 'auth', // invalid (unconfigured or unverified) sending or tracking domain
};

/**
 * SparkPost answers 420 when a transmission would pass the account's hourly, daily, monthly or
 * sandbox limit (nothing is sent); core's HTTP table does not know 420. A quota is a rate limit:
 * retry later, and another ESP may send now.
 */
export function sparkPostStatusCategory(statusCode: number): FailureCategory {
  return statusCode === 420 ? 'rate-limit' : classifyHttpStatus(statusCode);
}

/** The category of a SparkPost error: its first error's code, else the HTTP status. */
export function sparkPostErrorCategory(body: SparkPostErrorBody | undefined, statusCode: number): FailureCategory {
  const code = body?.errors[0]?.code;
  return (code === undefined || code === null ? undefined : SPARKPOST_ERROR_CATEGORIES[String(code)]) ?? sparkPostStatusCategory(statusCode);
}

/** A stable Anymail error code for a SparkPost code, e.g. `SPARKPOST_7001`. */
export function sparkPostErrorCode(body: SparkPostErrorBody | undefined): string | undefined {
  const code = body?.errors[0]?.code;
  return code === undefined || code === null || code === '' ? undefined : `SPARKPOST_${String(code)}`;
}

/** SparkPost's own words, every error joined: `Invalid domain: Unconfigured or unverified sending domain. (code 7001)`. */
export function sparkPostErrorMessage(body: SparkPostErrorBody): string {
  return body.errors
    .map((error) => {
      const text = [error.message, error.description].filter((part) => part).join(': ') || '(no message)';
      return error.code === undefined || error.code === null ? text : `${text} (code ${String(error.code)})`;
    })
    .join('; ');
}

/**
 * SparkPost documents no Retry-After; for 429 its API reference says to wait 1–5 seconds and then
 * back off. A missing header therefore means "retry after about a second", not "never".
 */
export const SPARKPOST_RATE_LIMIT_RETRY_MS = 1_000;

/**
 * SparkPost refuses a transmission to one suppressed recipient inline: HTTP 400, code 1902
 * "Message generation rejected", description "recipient address suppressed due to customer policy"
 * (a multi-recipient transmission is accepted, and the suppressed recipient rejected later through a
 * generation_rejection event). Code 1902 also covers other generation failures, so the
 * description is read: this is the one place SparkPost's prose is matched.
 */
export function isSuppressedRecipient(body: SparkPostErrorBody): boolean {
  return body.errors.some((error) => String(error.code) === '1902' && /suppressed/i.test(error.description ?? error.message ?? ''));
}

/** How long to wait before retrying, when SparkPost says to (429: Retry-After, else about a second). */
function retryAfterMs(response: EspResponse): number | undefined {
  const header = parseRetryAfter(response.headers['retry-after']);
  if (header !== undefined) return header;
  return response.statusCode === 429 ? SPARKPOST_RATE_LIMIT_RETRY_MS : undefined;
}

/**
 * Error answers `{"errors": [...]}` → SparkPost's words, a category from its code (or the status,
 * 420 included) and `SPARKPOST_<code>`. A suppressed single recipient is read as a result
 * (status `rejected`, and so AnymailRecipientsRefused), not raised as an API error.
 */
export const sparkPostErrors = jsonErrors(
  sparkPostErrorBodySchema,
  (body, response) => ({
    message: sparkPostErrorMessage(body),
    category: sparkPostErrorCategory(body, response.statusCode),
    code: sparkPostErrorCode(body),
    retryAfterMs: retryAfterMs(response),
  }),
  { largeIntegers: 'string', accept: (body, response) => response.statusCode === 400 && isSuppressedRecipient(body) },
);
