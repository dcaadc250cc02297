import { describe, expect, it } from 'vitest';
import {
  sparkPostErrorBodySchema,
  sparkPostErrorCategory,
  sparkPostErrorCode,
  sparkPostErrorMessage,
} from '../src/sparkpost-errors.js';
import { blueprintExamples } from './support/sparkpost-schema.js';

const body = (value: unknown) => sparkPostErrorBodySchema.parse(value);

describe('SparkPost error bodies', () => {
  it("reads every error example of transmissions.apib and gives it SparkPost's words and a code", () => {
    const errors = blueprintExamples('Response').filter((example) => !('results' in (example.body as object)));
    expect(errors.length).toBeGreaterThanOrEqual(5);
    for (const example of errors) {
      const parsed = body(example.body);
      expect(sparkPostErrorCode(parsed)).toMatch(/^SPARKPOST_\d+$/);
      expect(sparkPostErrorMessage(parsed)).toMatch(/\(code \d+\)$/);
    }
  });

  it('says an unverified sending domain is a problem for a person (auth), not the message', () => {
    const domain = body({ errors: [{ description: 'Unconfigured or unverified sending domain.', code: '7001', message: 'Invalid domain' }] });
    expect(sparkPostErrorCategory(domain, 400)).toBe('auth');
    expect(sparkPostErrorMessage(domain)).toBe('Invalid domain: Unconfigured or unverified sending domain. (code 7001)');
  });

  it('maps message problems to invalid-request, whatever the status', () => {
    expect(sparkPostErrorCategory(body({ errors: [{ message: 'Subresource not found', code: '1603' }] }), 422)).toBe('invalid-request');
    expect(sparkPostErrorCategory(body({ errors: [{ message: 'Invalid combination of fields', code: '1301' }] }), 422)).toBe('invalid-request');
  });

  it('maps the 420 sending-limit answer to rate-limit (from the code, and from the status alone)', () => {
    expect(sparkPostErrorCategory(body({ errors: [{ message: 'Exceed Sending Limit (hourly)', code: '2101' }] }), 420)).toBe('rate-limit');
    expect(sparkPostErrorCategory(body({ errors: [{ message: 'Exceed Sending Limit (monthly)', code: '9999' }] }), 420)).toBe('rate-limit');
    expect(sparkPostErrorCategory(undefined, 420)).toBe('rate-limit');
  });

  it('falls back to the HTTP status for codes it does not know, or none', () => {
    expect(sparkPostErrorCategory(body({ errors: [{ message: 'Unauthorized.' }] }), 401)).toBe('auth');
    expect(sparkPostErrorCategory(body({ errors: [{ message: 'x', code: '424242' }] }), 503)).toBe('server');
    expect(sparkPostErrorCode(body({ errors: [{ message: 'Unauthorized.' }] }))).toBeUndefined();
  });

  it('takes numeric codes too, and refuses bodies without errors', () => {
    expect(sparkPostErrorCode(body({ errors: [{ message: 'm', code: 1400 }] }))).toBe('SPARKPOST_1400');
    expect(sparkPostErrorBodySchema.safeParse({ errors: [] }).success).toBe(false);
    expect(sparkPostErrorBodySchema.safeParse({ message: 'nope' }).success).toBe(false);
  });
});
