import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isDomainNotFound, isWrongApiUrlBody, mailgunErrorMessage, parseTryAgainAfter } from '../src/mailgun-errors.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/responses/${name}`, import.meta.url), 'utf8');

describe('Mailgun error bodies', () => {
  it('reads the message from each documented body shape', () => {
    expect(mailgunErrorMessage(fixture('mailgun-messages-400-missing-body.json'))).toMatch(/^Need at least one of/);
    expect(mailgunErrorMessage(fixture('mailgun-messages-401-forbidden.json'))).toBe('Forbidden');
    expect(mailgunErrorMessage(fixture('mailgun-messages-502-html.html'))).toBe('502 Bad Gateway');
    expect(mailgunErrorMessage('<p>oops <b>here</b></p>')).toBe('oops here');
    expect(mailgunErrorMessage('')).toBeUndefined();
    expect(mailgunErrorMessage('{"error": 1}')).toBe('{"error": 1}');
  });

  it('recognizes "Domain not found" with or without the domain', () => {
    expect(isDomainNotFound(mailgunErrorMessage(fixture('mailgun-messages-404-domain-not-found.json')))).toBe(true);
    expect(isDomainNotFound('Domain not found')).toBe(true);
    expect(isDomainNotFound('Template not found')).toBe(false);
    expect(isDomainNotFound(undefined)).toBe(false);
  });

  it('recognizes the Mailgun Magnificent API banner', () => {
    expect(isWrongApiUrlBody(fixture('mailgun-wrong-url-magnificent.txt'))).toBe(true);
    expect(isWrongApiUrlBody('{"message":"Queued. Thank you."}')).toBe(false);
  });
});

describe('parseTryAgainAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads a number of seconds (the spec example) and other units', () => {
    expect(parseTryAgainAfter(mailgunErrorMessage(fixture('mailgun-messages-429-rate-limit.json')), now)).toBe(120_000);
    expect(parseTryAgainAfter('limit exceeded, try again after 2.5s', now)).toBe(2500);
    expect(parseTryAgainAfter('try again after 3 minutes.', now)).toBe(180_000);
    expect(parseTryAgainAfter('try again after 1 hour', now)).toBe(3_600_000);
    expect(parseTryAgainAfter('try again after 250ms', now)).toBe(250);
  });

  it('reads Go, RFC 2822 and ISO dates', () => {
    expect(parseTryAgainAfter('bytes limit exceeded, try again after 2026-01-01 00:01:30 +0000 UTC', now)).toBe(90_000);
    expect(parseTryAgainAfter('try again after Thu, 01 Jan 2026 00:00:10 +0000', now)).toBe(10_000);
    expect(parseTryAgainAfter('try again after 2026-01-01T00:00:05Z', now)).toBe(5000);
    expect(parseTryAgainAfter('try again after 2025-12-31T00:00:00Z', now)).toBe(0);
  });

  it('gives undefined without a readable wait', () => {
    expect(parseTryAgainAfter('slow down', now)).toBeUndefined();
    expect(parseTryAgainAfter('try again after a while', now)).toBeUndefined();
    expect(parseTryAgainAfter(undefined, now)).toBeUndefined();
  });
});
