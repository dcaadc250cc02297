import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJsonLossless } from '@anymail/core';
import { mailjetErrorBodySchema } from '../src/mailjet-errors.js';
import { mailjetSendResponseSchema } from '../src/mailjet-response.js';
import { answerMailjet } from '../src/test/index.js';
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

describe('Mailjet Send API v3.1 answers', () => {
  const text = (name: string) => readFileSync(new URL(`./fixtures/send/${name}`, import.meta.url), 'utf8');
  for (const name of ['send-basic-response.json', 'send-to-cc-bcc-response.json', 'send-bulk-response.json',
    'send-bulk-partial-error-response.json', 'send-sandbox-response.json', 'error-message-validation.json']) {
    it(`reads the documented ${name} with the response schema, ids exact`, () => {
      const parsed = mailjetSendResponseSchema.parse(parseJsonLossless(text(name)));
      const ids = parsed.Messages.flatMap((message) => [...(message.To ?? []), ...(message.Cc ?? []), ...(message.Bcc ?? [])]).map((r) => String(r.MessageID));
      for (const id of ids) expect(text(name)).toContain(`"MessageID": ${id}`);
    });
  }
  it('reads the documented request-level error with the error schema', () => {
    expect(mailjetErrorBodySchema.parse(JSON.parse(text('error-global-malformed-json.json')))).toMatchObject({ ErrorCode: 'mj-0002' });
  });
  it('the fake Mailjet answers in the documented shape, and takes only documented requests', () => {
    const request = JSON.stringify(read('send-to-cc-bcc-request.json'));
    const answer = answerMailjet('/v3.1/send', { authorization: `Basic ${Buffer.from('k:s').toString('base64')}` }, request);
    expect(answer.status).toBe(200);
    expect(mailjetSendResponseSchema.parse(parseJsonLossless(answer.body)).Messages[0]!.Cc).toHaveLength(1);
  });
});
