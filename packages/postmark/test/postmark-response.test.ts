import { readFileSync } from 'node:fs';
import { AnymailAPIError, type EspRequest, type EspResponse } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { postmarkCombinedSend } from '../src/postmark-batch.js';
import { POSTMARK_ERROR_CATEGORIES, invalidRecipientField, postmarkErrorCategory } from '../src/postmark-errors.js';
import type { PostmarkRecipients, PostmarkRequestContext } from '../src/postmark-payload.js';
import { inactiveAddresses, readResult, statusFromResults, type PostmarkResult } from '../src/postmark-response.js';

const text = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const fixture = (name: string): any => JSON.parse(text(name));

function response(statusCode: number, body: string): EspResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode(body),
    url: 'http://127.0.0.1/email',
    text: () => body,
    json: () => JSON.parse(body) as unknown,
  };
}

const only = (to: string[], cc: string[] = [], bcc: string[] = []): PostmarkRecipients => ({ to, cc, bcc });

describe('Postmark response: single send', () => {
  it('reads the documented 200 as sent, with the MessageID', () => {
    const status = statusFromResults([fixture('postmark-email-200.json')], [only(['receiver@example.com'])], response(200, text('postmark-email-200.json')), null);
    expect(status.recipients).toEqual({ 'receiver@example.com': { status: 'sent', messageId: '0a129aee-e1cd-480d-b08d-4f48548ff48d' } });
    expect(status.messageId).toBe('0a129aee-e1cd-480d-b08d-4f48548ff48d');
  });

  it('reads an answer without ErrorCode ("delivery may be delayed") as queued', () => {
    const reading = readResult(fixture('postmark-email-200-delayed.json'), only(['receiver@example.com']));
    expect(reading).toEqual({ recipients: { 'receiver@example.com': { status: 'queued', messageId: '38360f97-ff7f-44b2-bcd1-5ea94ff2af00' } } });
  });

  it('marks the inactive addresses named in an OK answer as rejected, whatever their case', () => {
    const reading = readResult(fixture('postmark-email-200-some-inactive.json'), only(['HardBounce@example.com', 'valid@example.com', 'spam@example.com']));
    expect(reading).toEqual({
      recipients: {
        'HardBounce@example.com': { status: 'rejected', messageId: null },
        'valid@example.com': { status: 'sent', messageId: '089dce03-feee-408e-9f0c-ee69bf1c5f35' },
        'spam@example.com': { status: 'rejected', messageId: null },
      },
    });
  });

  it('reads 406 as rejected for the named addresses', () => {
    const reading = readResult(fixture('postmark-email-422-inactive.json'), only(['hardbounce@example.com'], [], ['spam@example.com']));
    expect(reading).toEqual({
      recipients: { 'hardbounce@example.com': { status: 'rejected', messageId: null }, 'spam@example.com': { status: 'rejected', messageId: null } },
    });
  });

  it('reads 300 naming a To address as invalid, and the rest of the message as failed', () => {
    const reading = readResult(fixture('postmark-email-422-illegal-domain.json'), only(['test_email@example.com', 'ok@example.com'], ['cc@example.com']));
    expect(reading).toEqual({
      recipients: {
        'test_email@example.com': { status: 'invalid', messageId: null },
        'ok@example.com': { status: 'failed', messageId: null },
        'cc@example.com': { status: 'failed', messageId: null },
      },
    });
    // Postmark quoted a value we did not send as such: the field's only recipient is the culprit.
    expect(readResult(fixture('postmark-email-422-invalid-to.json'), only(['test@example.com']))).toEqual({
      recipients: { 'test@example.com': { status: 'invalid', messageId: null } },
    });
  });

  it('raises AnymailAPIError with Postmark’s message for other ErrorCodes', () => {
    for (const [name, code, category] of [
      ['postmark-email-422-no-body.json', 'POSTMARK_300', 'invalid-request'],
      ['postmark-email-422-unknown-stream.json', 'POSTMARK_1235', 'invalid-request'],
    ] as const) {
      const body = fixture(name) as PostmarkResult;
      let error: unknown;
      try {
        statusFromResults([body], [only(['a@example.com'])], response(422, text(name)), body);
      } catch (e) {
        error = e;
      }
      expect(AnymailAPIError.isInstance(error)).toBe(true);
      expect((error as AnymailAPIError).message).toContain(body.Message!);
      expect((error as AnymailAPIError).code).toBe(code);
      expect((error as AnymailAPIError).category).toBe(category);
    }
  });

  it('parses the inactive-address and invalid-recipient wordings', () => {
    expect(inactiveAddresses(fixture('postmark-batch-200-mixed.json')[1].Message)).toEqual(['example@example.com']);
    expect(inactiveAddresses('You tried to send to a recipient that has been marked as inactive.\nFound inactive addresses: a@x.com, b@x.com.\nInactive recipients are ones')).toEqual(['a@x.com', 'b@x.com']);
    expect(invalidRecipientField("Invalid 'Cc' address: 'bad@'.")).toEqual({ field: 'cc', quoted: ['cc', 'bad@'] });
    expect(invalidRecipientField("Invalid 'From' address: 'test'.")).toBeUndefined();
  });
});

describe('Postmark response: batch with mixed per-message results', () => {
  const parts: EspRequest<PostmarkRequestContext>[] = ['receiver1@example.com', 'example@example.com', 'test@example.com', 'stream@example.com', 'receiver2@example.com'].map(
    (to) => ({
      method: 'POST',
      path: 'email',
      headers: { 'x-postmark-server-token': 't' },
      body: JSON.stringify({ From: 'sender@example.com', To: to }),
      context: { endpoint: 'email', messages: [only([to])], serverToken: 't' } satisfies PostmarkRequestContext,
    }),
  );
  const combined = postmarkCombinedSend({ serverToken: 't' });

  it('builds one email/batch request of the parts, in order', () => {
    const request = combined.build(parts);
    expect(request.path).toBe('email/batch');
    expect((JSON.parse(request.body as string) as Array<{ To: string }>).map((m) => m.To)).toEqual(parts.map((p) => JSON.parse(p.body as string).To));
  });

  it('gives each message the status of its own entry', () => {
    const request = combined.build(parts);
    const statuses = combined.parse(response(200, text('postmark-batch-200-mixed.json')), request, parts);
    expect(statuses.map((status) => [...status.status])).toEqual([['sent'], ['rejected'], ['invalid'], ['failed'], ['sent']]);
    expect(statuses[0]!.messageId).toBe('b7bc2f4a-e38e-4336-af7d-e6c392c2f817');
    expect(statuses[4]!.messageId).toBe('e2ecbbfc-fe12-463d-b933-9fe22915106d');
    expect(statuses[3]!.espResponse).toEqual(fixture('postmark-batch-200-mixed.json')[3]);
  });

  it('refuses to combine templated, foreign-token or large messages', () => {
    expect(combined.canCombine(parts[0]!)).toBe(true);
    expect(combined.canCombine({ ...parts[0]!, context: { endpoint: 'email/withTemplate', messages: [], serverToken: 't' } })).toBe(false);
    expect(combined.canCombine({ ...parts[0]!, context: { endpoint: 'email', messages: [], serverToken: 'other' } })).toBe(false);
    expect(combined.canCombine({ ...parts[0]!, body: 'x'.repeat(100_001) })).toBe(false);
  });

  it('raises when the answer has a different number of entries', () => {
    const request = combined.build(parts);
    expect(() => combined.parse(response(200, text('postmark-batch-200.json')), request, parts)).toThrow(/2 batch results for 5 messages/);
  });

  it('raises Postmark’s message for a whole-batch error object', () => {
    const request = combined.build(parts);
    expect(() => combined.parse(response(422, text('postmark-batch-422-too-many.json')), request, parts)).toThrow(/only send up to 500 messages/);
  });
});

describe('Postmark error codes', () => {
  it('maps ErrorCodes to categories, falling back to the HTTP category', () => {
    expect(POSTMARK_ERROR_CATEGORIES[10]).toBe('auth');
    expect(postmarkErrorCategory(429, 'invalid-request')).toBe('rate-limit');
    expect(postmarkErrorCategory(300, 'server')).toBe('invalid-request');
    expect(postmarkErrorCategory(99999, 'server')).toBe('server');
  });
});
