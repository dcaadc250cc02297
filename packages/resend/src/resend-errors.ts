import { classifyHttpStatus, jsonErrors, parseRetryAfter, type ErrorDescription, type EspResponse, type FailureCategory } from '@anymail/core/esp';
import { z } from 'zod';

/**
 * Resend's error body (the OpenAPI spec declares none; recorded answers and the SDKs agree):
 * `{"statusCode": 422, "message": "Missing `email` field.", "name": "missing_required_field"}`.
 */
export const resendErrorSchema = z.object({
  statusCode: z.number().nullish(),
  message: z.string().nullish(),
  name: z.string(),
});
export type ResendErrorBody = z.infer<typeof resendErrorSchema>;

/**
 * Resend error `name` → failure category (names from resend-node's `RESEND_ERROR_CODE_KEY`).
 * Problems with the key or account are `auth`: a person must fix them, another ESP may still send.
 * Problems with the message are `invalid-request`: every ESP would refuse it.
 */
export const RESEND_ERROR_CATEGORIES: Readonly<Record<string, FailureCategory>> = {
  missing_required_field: 'invalid-request',
  invalid_parameter: 'invalid-request',
  validation_error: 'invalid-request',
  invalid_from_address: 'invalid-request',
  invalid_attachment: 'invalid-request',
  invalid_region: 'invalid-request',
  invalid_idempotency_key: 'invalid-request',
  // The same Idempotency-Key with another body: a programming error, never retried or failed over.
  invalid_idempotent_request: 'invalid-request',
  // The first request with this Idempotency-Key is still being sent: failing over would send it twice.
  concurrent_idempotent_requests: 'invalid-request',
  security_error: 'invalid-request',
  missing_api_key: 'auth',
  invalid_api_key: 'auth',
  restricted_api_key: 'auth',
  suspended_api_key: 'auth',
  invalid_access: 'auth',
  // Quotas: another ESP can send now; retrying this one is pointless until the quota resets.
  monthly_quota_exceeded: 'auth',
  daily_quota_exceeded: 'rate-limit',
  rate_limit_exceeded: 'rate-limit',
  application_error: 'server',
  internal_server_error: 'server',
};

/**
 * How long to wait before trying Resend again, for errors whose answer carries no usable delay.
 * The daily quota is counted per day: an hour is the least wait that makes sense, not an exact reset.
 */
export const RESEND_RETRY_DELAYS_MS: Readonly<Record<string, number>> = {
  rate_limit_exceeded: 1_000,
  daily_quota_exceeded: 60 * 60 * 1000,
};

/**
 * Names Resend answers with 403 for the account rather than the message: "The example.com domain is not
 * verified", or a `resend.dev` sandbox sender writing to others (resend-node lists both names as 403s).
 * With 422 they are about the message.
 */
const ACCOUNT_WHEN_403: ReadonlySet<string> = new Set(['validation_error', 'invalid_from_address']);

/** The category of a Resend error name; unknown names fall back to the HTTP status's category. */
export function resendErrorCategory(name: string, statusCode: number): FailureCategory {
  if (statusCode === 403 && ACCOUNT_WHEN_403.has(name)) return 'auth';
  return RESEND_ERROR_CATEGORIES[name] ?? classifyHttpStatus(statusCode);
}

/** A stable Anymail error code for a Resend error name, e.g. `RESEND_RATE_LIMIT_EXCEEDED`. */
export function resendErrorCode(name: string): string {
  return `RESEND_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/**
 * The retry delay of a rate-limit error: `retry-after`, else `ratelimit-reset` (seconds until the window
 * resets; Resend uses the IETF draft's header names), else the table's default. Every Resend answer carries
 * `ratelimit-reset`, so it says nothing about other errors (undefined: core then reads `retry-after` alone).
 * For the daily quota the table's hour is a floor: a one-second window reset says nothing about the quota.
 */
export function resendRetryAfterMs(name: string, headers: Readonly<Record<string, string>>): number | undefined {
  if (RESEND_RETRY_DELAYS_MS[name] === undefined) return undefined;
  const fromHeaders = parseRetryAfter(headers['retry-after']) ?? parseRetryAfter(headers['ratelimit-reset']);
  const fallback = RESEND_RETRY_DELAYS_MS[name];
  if (name === 'daily_quota_exceeded') return Math.max(fromHeaders ?? 0, fallback);
  return fromHeaders ?? fallback;
}

/** What a Resend error body says (message, category, code, retry delay), or undefined when it is off-schema. */
export function describeResendError(body: unknown, response: Pick<EspResponse, 'statusCode' | 'headers'>): ErrorDescription | undefined {
  const parsed = resendErrorSchema.safeParse(body);
  return parsed.success ? describeParsed(parsed.data, response) : undefined;
}

function describeParsed({ name, message }: ResendErrorBody, response: Pick<EspResponse, 'statusCode' | 'headers'>): ErrorDescription {
  const retryAfterMs = resendRetryAfterMs(name, response.headers);
  return {
    message: `${message ?? '(no message)'} (${name})`,
    category: resendErrorCategory(name, response.statusCode),
    code: resendErrorCode(name),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** The kit's error handler: a body off Resend's schema (a proxy's HTML page) falls back to the HTTP status. */
export const resendErrors = jsonErrors(resendErrorSchema, describeParsed);
