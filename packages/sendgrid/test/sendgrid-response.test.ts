import { readFileSync } from 'node:fs';
import { AnymailAPIError, type EspRequest, type EspResponse } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { describeSendGridError, sendGridRetryAfterMs } from '../src/sendgrid-errors.js';
import type { SendGridRequestContext } from '../src/sendgrid-batch.js';
import { parseSendGridResponse, type SendGridEspResponse } from '../src/sendgrid-response.js';

function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

function response(statusCode: number, text: string, headers: Record<string, string> = {}): EspResponse {
  const body = Buffer.from(text);
  return {
    statusCode,
    headers,
    body,
    url: 'http://127.0.0.1/v3/mail/send',
    text: () => text,
    json: () => {
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new AnymailAPIError('not JSON', { statusCode, deliveryUnknown: statusCode < 300, cause: error });
      }
    },
  };
}

const context: SendGridRequestContext = {
  personalizations: [
    { anymailId: 'id-1', emails: ['a@example.com', 'cc@example.com'] },
    { anymailId: 'id-2', emails: ['b@example.com', 'cc@example.com'] },
  ],
};
const request: EspRequest = { method: 'POST', path: 'mail/send', headers: {}, body: '{}', context };

describe('SendGrid success responses', () => {
  it('marks every recipient queued with its personalization id', () => {
    const status = parseSendGridResponse(response(202, '', { 'x-message-id': 'SGID' }), request);
    expect(status.recipients).toEqual({
      'a@example.com': { status: 'queued', messageId: 'id-1' },
      'b@example.com': { status: 'queued', messageId: 'id-2' },
      'cc@example.com': { status: 'queued', messageId: 'id-2' },
    });
    expect([...status.status]).toEqual(['queued']);
    expect(status.messageId).toEqual(new Set(['id-1', 'id-2']));
    expect(status.espResponse as SendGridEspResponse).toEqual({ statusCode: 202, xMessageId: 'SGID', body: null });
  });

  it('reports the X-Message-Id header when no id was generated', () => {
    const plain: EspRequest = { ...request, context: { personalizations: [{ anymailId: undefined, emails: ['a@example.com'] }] } };
    const status = parseSendGridResponse(response(202, '', { 'x-message-id': 'SGID' }), plain);
    expect(status.messageId).toBe('SGID');
  });

  it('turns an off-schema or error-carrying 2xx body into AnymailAPIError', () => {
    expect(() => parseSendGridResponse(response(200, '[1,2]'), request)).toThrow(AnymailAPIError);
    const error = (() => {
      try {
        parseSendGridResponse(response(200, fixture('sendgrid-mail-send-400.json')), request);
      } catch (e) {
        return e as AnymailAPIError;
      }
    })();
    expect(error?.message).toContain('invalid request');
    expect(() => parseSendGridResponse(response(200, '<html>'), request)).toThrow(AnymailAPIError);
  });
});

describe('SendGrid error responses (spec fixtures)', () => {
  const cases: Array<[number, string, string]> = [
    [400, 'invalid request', 'invalid-request'],
    [401, 'authorization required', 'auth'],
    [403, 'access forbidden', 'auth'],
    [404, 'not found', 'invalid-request'],
    [405, 'method not allowed', 'invalid-request'],
    [413, 'content too large', 'invalid-request'],
    [429, 'too many requests', 'rate-limit'],
    [500, 'internal server error', 'server'],
  ];
  for (const [status, message, category] of cases) {
    it(`describes HTTP ${status} as ${category} with SendGrid's message`, () => {
      const description = describeSendGridError(response(status, fixture(`sendgrid-mail-send-${status}.json`)));
      expect(description.category).toBe(category);
      expect(description.message).toContain(message);
      expect(description.message).not.toContain('null:');
    });
  }

  it('joins several errors as "field: message"', () => {
    const body = JSON.stringify({ errors: [{ field: 'from.email', message: 'The from email does not contain a valid address.' }, { field: null, message: 'second' }] });
    expect(describeSendGridError(response(400, body)).message).toMatch(/^from\.email: The from email does not contain a valid address\.; second/);
  });

  it('falls back to the raw text for a non-JSON error body', () => {
    expect(describeSendGridError(response(502, '<html>Bad gateway</html>')).message).toBe('<html>Bad gateway</html>');
  });

  it('takes the 429 delay from Retry-After, else from X-RateLimit-Reset', () => {
    const now = 1_700_000_000_000;
    expect(sendGridRetryAfterMs({ 'retry-after': '7' }, now)).toBe(7000);
    expect(sendGridRetryAfterMs({ 'x-ratelimit-reset': String(now / 1000 + 12) }, now)).toBe(12_000);
    expect(sendGridRetryAfterMs({ 'x-ratelimit-reset': String(now / 1000 - 5) }, now)).toBe(0);
    expect(sendGridRetryAfterMs({}, now)).toBeUndefined();
    const description = describeSendGridError(response(429, fixture('sendgrid-mail-send-429.json'), { 'retry-after': '3' }));
    expect(description.retryAfterMs).toBe(3000);
  });
});
