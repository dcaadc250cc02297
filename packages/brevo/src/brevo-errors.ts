import { classifyHttpStatus, jsonErrors, parseRetryAfter, type FailureCategory } from '@anymail/core/esp';
import { z } from 'zod';

/**
 * Brevo error `code` → failure category. The codes are the `errorModel.code` enum of Brevo's
 * API description (shared/esp-specs/brevo/swagger.yaml); the statuses they come with are listed
 * in its `info.description` (400, 401, 402 not enough credits, 403, 404, 405, 406, 422).
 * Problems with the account, key or credits are `auth`: a person must fix them, and another ESP
 * may still send. Problems with the request itself are `invalid-request`: every ESP would refuse it.
 */
export const BREVO_ERROR_CATEGORIES: Readonly<Record<string, FailureCategory>> = {
  invalid_parameter: 'invalid-request',
  missing_parameter: 'invalid-request',
  out_of_range: 'invalid-request',
  campaign_processing: 'invalid-request',
  campaign_sent: 'invalid-request',
  document_not_found: 'invalid-request', // e.g. an unknown templateId
  reseller_permission_denied: 'auth',
  not_enough_credits: 'auth', // 402: the account's email credits are used up
  permission_denied: 'auth', // e.g. the calling IP is not on the key's allow-list
  duplicate_parameter: 'invalid-request',
  duplicate_request: 'invalid-request', // sending again would repeat a request Brevo already took
  method_not_allowed: 'invalid-request',
  unauthorized: 'auth', // 401: missing or wrong api-key
  account_under_validation: 'auth',
  not_acceptable: 'invalid-request',
  bad_request: 'invalid-request',
  unprocessable_entity: 'invalid-request',
};

/** The category of a Brevo error `code`; unknown codes fall back to the HTTP status's category. */
export function brevoErrorCategory(code: string | undefined, fallback: FailureCategory): FailureCategory {
  return (code !== undefined && Object.hasOwn(BREVO_ERROR_CATEGORIES, code) ? BREVO_ERROR_CATEGORIES[code] : undefined) ?? fallback;
}

/** A stable Anymail error code for a Brevo error `code`, e.g. `BREVO_INVALID_PARAMETER`. */
export function brevoErrorCode(code: string | undefined): string {
  const word = (code ?? '').toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return word === '' ? 'BREVO_ERROR' : `BREVO_${word}`;
}

/**
 * Brevo's rate-limit headers (developers.brevo.com/docs/limit-headers): `x-sib-ratelimit-reset`
 * is the number of seconds until the window resets. Returns milliseconds, or undefined.
 */
export function brevoRetryAfterMs(headers: { get(name: string): string | null | undefined }): number | undefined {
  const reset = headers.get('x-sib-ratelimit-reset');
  if (reset === null || reset === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(reset)) return undefined;
  return Math.ceil(Number(reset) * 1000);
}

/** An error answer's body: Brevo's `errorModel` (`code` from its enum, `message`). Lenient: either may be missing. */
export const brevoErrorSchema = z.object({ code: z.string().nullish(), message: z.string().nullish() }).refine(
  (body) => typeof body.code === 'string' || typeof body.message === 'string',
  { message: 'neither code nor message' },
);

/**
 * Error answers `{code, message}` → Brevo's message, category and code; the retry delay from
 * `x-sib-ratelimit-reset` (or `Retry-After`) on 429.
 */
export const brevoErrors = jsonErrors(brevoErrorSchema, (body, response) => {
  const code = body.code ?? undefined;
  const retryAfterMs = brevoRetryAfterMs({ get: (name) => response.headers[name] }) ?? parseRetryAfter(response.headers['retry-after']);
  return {
    message: code ? `${body.message ?? '(no message)'} (code ${code})` : (body.message ?? '(no message)'),
    category: brevoErrorCategory(code, classifyHttpStatus(response.statusCode)),
    code: brevoErrorCode(code),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
});
