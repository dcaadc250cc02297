import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectValidSend, sendProblems } from './support/mailjet-schema.js';

const read = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/send/${name}`, import.meta.url), 'utf8')) as unknown;

// The validator the payload tests rely on: it must accept Mailjet's own examples and refuse bad bodies.
describe('Mailjet Send API v3.1 request validator', () => {
  for (const name of ['send-basic-request.json', 'send-to-cc-bcc-request.json', 'send-bulk-request.json', 'send-sandbox-request.json']) {
    it(`accepts the documented ${name}`, () => expectValidSend(read(name)));
  }
  it('refuses a body without Messages, with no content, a bad address, a misspelt property or too many messages', () => {
    const message = { From: { Email: 'f@example.com' }, To: [{ Email: 'a@example.com' }], TextPart: 'hi' };
    expect(sendProblems({}).join()).toContain('Messages');
    expect(sendProblems({ Messages: [{ ...message, TextPart: undefined }] }).join()).toContain('send-0003');
    expect(sendProblems({ Messages: [{ ...message, To: [{ Email: 'nobody' }] }] }).join()).toContain('email');
    expect(sendProblems({ Messages: [{ ...message, HtmlPart: '<p>' }] }).join()).toContain('HtmlPart');
    expect(sendProblems({ Messages: Array.from({ length: 51 }, () => message) }).join()).toContain('Messages');
  });
});
