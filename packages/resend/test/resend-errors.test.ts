import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeResendError, resendErrorCode, resendRetryAfterMs } from '../src/resend-errors.js';

interface Recorded {
  response: { status: number; headers: Record<string, string>; body: unknown };
}
const recorded = JSON.parse(readFileSync(new URL('./fixtures/resend-recorded-error-responses.json', import.meta.url), 'utf8')) as Recorded[];
const answer = (statusCode: number, name: string, headers: Record<string, string> = {}) =>
  describeResendError({ statusCode, message: 'm', name }, { statusCode, headers });

describe('Resend error bodies', () => {
  it('describes the recorded 422 missing_required_field and 404 not_found answers', () => {
    const [missing, notFound] = recorded.map(({ response }) => describeResendError(response.body, { statusCode: response.status, headers: response.headers }));
    expect(missing).toEqual({ message: 'Missing `email` field. (missing_required_field)', category: 'invalid-request', code: 'RESEND_MISSING_REQUIRED_FIELD' });
    expect(notFound).toMatchObject({ category: 'invalid-request', code: 'RESEND_NOT_FOUND' });
  });

  it('maps key problems to auth, rate limits to rate-limit, server errors to server', () => {
    expect(answer(401, 'missing_api_key')?.category).toBe('auth');
    expect(answer(403, 'invalid_api_key')?.category).toBe('auth');
    expect(answer(401, 'restricted_api_key')?.category).toBe('auth');
    expect(answer(429, 'rate_limit_exceeded')?.category).toBe('rate-limit');
    expect(answer(429, 'monthly_quota_exceeded')?.category).toBe('auth');
    expect(answer(500, 'application_error')?.category).toBe('server');
    expect(answer(409, 'concurrent_idempotent_requests')?.category).toBe('invalid-request');
  });

  it('falls back to the HTTP status for an unknown name, and to nothing for an off-schema body', () => {
    expect(answer(503, 'brand_new_error')).toMatchObject({ category: 'server', code: 'RESEND_BRAND_NEW_ERROR' });
    expect(describeResendError('<html>502</html>', { statusCode: 502, headers: {} })).toBeUndefined();
    expect(describeResendError({ message: 'no name' }, { statusCode: 400, headers: {} })).toBeUndefined();
  });

  it('takes the retry delay from retry-after, else ratelimit-reset, else the table; the daily quota waits at least an hour', () => {
    expect(resendRetryAfterMs('rate_limit_exceeded', { 'retry-after': '2', 'ratelimit-reset': '5' })).toBe(2000);
    expect(resendRetryAfterMs('rate_limit_exceeded', { 'ratelimit-reset': '5' })).toBe(5000);
    expect(resendRetryAfterMs('rate_limit_exceeded', {})).toBe(1000);
    expect(resendRetryAfterMs('daily_quota_exceeded', { 'ratelimit-reset': '1' })).toBe(3_600_000);
    expect(answer(429, 'rate_limit_exceeded', { 'ratelimit-reset': '3' })?.retryAfterMs).toBe(3000);
    expect(answer(422, 'validation_error')?.retryAfterMs).toBeUndefined();
  });

  it('makes stable codes from names', () => {
    expect(resendErrorCode('daily_quota_exceeded')).toBe('RESEND_DAILY_QUOTA_EXCEEDED');
  });
});
