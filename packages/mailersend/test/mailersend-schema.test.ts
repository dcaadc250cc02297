import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mailerSendRequestErrors } from '../src/test/mailersend-request-schema.js';

// The validator the payload and backend tests rely on: it must accept MailerSend's recorded
// requests and refuse what MailerSend documents as invalid.
type Recording = { interactions: { request: { uri: string; body: unknown } }[] };
const recording = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/api/${name}`, import.meta.url), 'utf8')) as Recording;
const valid = { from: { email: 'from@example.com' }, to: [{ email: 'to@example.com' }], subject: 'Hi', text: 'Hello' };

describe('MailerSend request schema validator', () => {
  for (const name of ['email-send-with-attachments.json', 'email-send-with-template.json']) {
    it(`accepts the recorded request of ${name}`, () => {
      expect(mailerSendRequestErrors(recording(name).interactions[0]!.request.body)).toEqual({});
    });
  }
  it('accepts each message of the recorded bulk-email request', () => {
    const body = recording('email-send-bulk-workflow.json').interactions[0]!.request.body as unknown[];
    expect(body).toHaveLength(2);
    for (const message of body) expect(mailerSendRequestErrors(message)).toEqual({});
  });

  it('refuses missing content, unknown fields, bad addresses and the documented limits', () => {
    expect(mailerSendRequestErrors({ ...valid, text: undefined })).toEqual({ text: ['The text field is required when none of html / template id are present.'] });
    expect(mailerSendRequestErrors({ ...valid, to: [{ email: 'bad' }] })).toEqual({ 'to.0.email': ['The to.0.email must be a valid email address'] });
    expect(Object.keys(mailerSendRequestErrors({ ...valid, metadata: { a: 1 } }))).toEqual(['metadata']);
    expect(Object.keys(mailerSendRequestErrors({ ...valid, to: [{ email: 'not an address' }] }))).toEqual(['to.0.email']);
    expect(Object.keys(mailerSendRequestErrors({ ...valid, to: [{ email: 'a@example.com', name: 'Doe, Jane' }] }))).toEqual(['to.0.name']);
    expect(Object.keys(mailerSendRequestErrors({ ...valid, tags: ['1', '2', '3', '4', '5', '6'] }))).toEqual(['tags']);
    expect(Object.keys(mailerSendRequestErrors({ ...valid, cc: Array.from({ length: 11 }, (_, i) => ({ email: `c${i}@example.com` })) }))).toEqual(['cc']);
    expect(Object.keys(mailerSendRequestErrors({ ...valid, attachments: [{ content: 'QQ==', filename: 'a.png', disposition: 'inline' }] }))).toEqual([
      'attachments.0.id',
    ]);
    expect(Object.keys(mailerSendRequestErrors({ ...valid, send_at: Math.floor(Date.now() / 1000) + 4 * 24 * 3600 }))).toEqual(['send_at']);
  });
});
