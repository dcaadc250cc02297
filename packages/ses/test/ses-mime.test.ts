import { EmailMessage, resolveFeatures } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { buildSimpleMime, rfc5322Date } from '../src/ses-mime.js';

const features = (init: ConstructorParameters<typeof EmailMessage>[0]) =>
  resolveFeatures(new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Subject', body: 'Body', ...init }));
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes!).toString('utf8');
/** Header block and body of a MIME message. */
const split = (mime: string) => {
  const at = mime.indexOf('\r\n\r\n');
  return { head: mime.slice(0, at + 2), body: mime.slice(at + 4) };
};

describe('buildSimpleMime (fast path)', () => {
  it('writes a single text part with the standard headers', () => {
    const mime = text(buildSimpleMime(features({ cc: ['Cc Person <cc@example.com>'], replyTo: ['r@example.com'] }), []));
    const { head, body } = split(mime);
    expect(head).toMatch(/^From: from@example\.com\r\nTo: to@example\.com\r\nCc: Cc Person <cc@example\.com>\r\nReply-To: r@example\.com\r\nSubject: Subject\r\n/);
    expect(head).toMatch(/^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r$/m);
    expect(head).toMatch(/^Message-ID: <[0-9a-f-]{36}@example\.com>\r$/m);
    expect(head).toMatch(/MIME-Version: 1\.0\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n$/);
    expect(body).toBe('Body\r\n');
  });

  it('writes text and HTML as multipart/alternative, non-ASCII bodies as base64, non-ASCII headers as RFC 2047', () => {
    const message = { subject: 'Grüße', body: 'Héllo\nworld', headers: { 'X-Note': 'naïve' } };
    const resolved = features(message);
    resolved.htmlBody = '<p>ok</p>';
    const mime = text(buildSimpleMime(resolved, [['X-Tag', 'one']]));
    const { head, body } = split(mime);
    expect(head).toMatch(/^Subject: =\?utf-8\?b\?R3LDvMOfZQ==\?=\r$/m);
    expect(head).toMatch(/^X-Note: =\?utf-8\?b\?bmHDr3Zl\?=\r$/m);
    expect(head).toMatch(/^X-Tag: one\r$/m);
    const boundary = /boundary="([^"]+)"/.exec(head)![1]!;
    const parts = body.split(`--${boundary}`);
    expect(parts).toHaveLength(4);
    expect(parts[1]).toContain('Content-Transfer-Encoding: base64');
    expect(Buffer.from(split(parts[1]!.slice(2)).body, 'base64').toString()).toBe('Héllo\nworld');
    expect(parts[2]).toContain('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>ok</p>\r\n');
    expect(parts[3]).toBe('--\r\n');
  });

  it("lets the message's headers replace fields and Anymail's headers", () => {
    const mime = text(buildSimpleMime(features({ headers: { From: 'Other <other@example.com>', 'x-tag': 'mine' } }), [['X-Tag', 'generated']]));
    expect(mime.match(/^From: .*$/gim)).toEqual(['From: Other <other@example.com>']);
    expect(mime.match(/^X-Tag: .*$/gim)).toEqual(['x-tag: mine']);
  });

  it('declines messages it does not write, so core composes them', () => {
    const withFile = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], body: 'Body' });
    withFile.attach('a.txt', 'x', 'text/plain');
    expect(buildSimpleMime(resolveFeatures(withFile), [])).toBeUndefined();
    const amp = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], body: 'Body' });
    amp.attachAlternative('<html ⚡4email></html>', 'text/x-amp-html');
    expect(buildSimpleMime(resolveFeatures(amp), [])).toBeUndefined();
    expect(buildSimpleMime(features({ subject: 'x'.repeat(1200) }), [])).toBeUndefined();
  });

  it('keeps 7bit only for CRLF-safe ASCII with lines of at most 998 characters', () => {
    const encoding = (body: string) => /Content-Transfer-Encoding: (\w+)/.exec(text(buildSimpleMime(features({ body }), [])))![1];
    expect(encoding('a\nb\r\nc')).toBe('7bit');
    expect(split(text(buildSimpleMime(features({ body: 'a\nb\r\nc' }), []))).body).toBe('a\r\nb\r\nc\r\n');
    expect(encoding(`${'x'.repeat(998)}\n${'y'.repeat(998)}`)).toBe('7bit');
    expect(encoding(`short\n${'x'.repeat(999)}`)).toBe('base64');
    expect(encoding('bare\rcarriage return')).toBe('base64');
    expect(encoding('nul\u0000byte')).toBe('base64');
  });

  it('formats dates as RFC 5322 with a numeric zone', () => {
    expect(rfc5322Date(new Date('2026-01-02T03:04:05Z'))).toBe('Fri, 02 Jan 2026 03:04:05 +0000');
  });
});
