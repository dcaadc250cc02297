import { describe, expect, it } from 'vitest';
import { smtpEmailProblems } from './support/brevo-schema.js';

// The spec's own examples (from the property descriptions and `example`s of sendSmtpEmail).
const specExample = {
  sender: { name: 'Mary from MyShop', email: 'no-reply@myshop.com' },
  to: [{ name: 'Jimmy', email: 'jimmy98@example.com' }, { name: 'Joe', email: 'joe@example.com' }],
  bcc: [{ email: 'helen9766@example.com', name: 'Helen' }],
  cc: [{ email: 'ann6533@example.com', name: 'Ann' }],
  htmlContent: '<!DOCTYPE html> <html> <body> <h1>Confirm you email</h1> </body> </html>',
  textContent: 'Please confirm your email address by clicking on the link https://text.domain.com',
  subject: 'Login Email confirmation',
  replyTo: { email: 'ann6533@example.com', name: 'Ann' },
  attachment: [
    { url: 'https://attachment.domain.com/myAttachmentFromUrl.jpg', name: 'myAttachmentFromUrl.jpg' },
    { content: 'b3JkZXIucGRm', name: 'myAttachmentFromBase64.jpg' },
  ],
  headers: { 'sender.ip': '1.2.3.4', 'X-Mailin-custom': 'some_custom_header', idempotencyKey: 'abc-123' },
  tags: ['tag1'],
  scheduledAt: '2022-04-05T12:30:00+02:00',
  batchId: '5c6cfa04-eed9-42c2-8b5c-6d470d978e9d',
};

describe('Brevo request schema validator', () => {
  it("accepts a body made of the spec's examples", () => {
    expect(smtpEmailProblems(specExample)).toEqual([]);
  });
  it('accepts a template send with params and message versions (with the per-version headers we rely on)', () => {
    expect(smtpEmailProblems({
      templateId: 2,
      params: { FNAME: 'Joe', LNAME: 'Doe' },
      messageVersions: [
        { to: [{ email: 'jimmy98@example.com', name: 'Jimmy' }], params: { FNAME: 'Jimmy' }, headers: { 'X-Mailin-custom': '{"a":1}' } },
        { to: [{ email: 'joe@example.com' }], subject: 'Custom subject' },
      ],
    })).toEqual([]);
  });
  it('refuses unknown fields, bad addresses, non-string header values and a bad templateId', () => {
    expect(smtpEmailProblems({ ...specExample, from: 'x@example.com' }).join()).toContain('additional');
    expect(smtpEmailProblems({ ...specExample, to: [{ email: 'not an address' }] }).join()).toContain('email');
    expect(smtpEmailProblems({ ...specExample, to: [{ name: 'No address' }] }).join()).toContain('email');
    expect(smtpEmailProblems({ ...specExample, headers: { 'X-Count': 1 } })).not.toEqual([]);
    expect(smtpEmailProblems({ ...specExample, templateId: '7' })).not.toEqual([]);
    expect(smtpEmailProblems({ ...specExample, messageVersions: [{ params: {} }] }).join()).toContain('to');
    expect(smtpEmailProblems({ ...specExample, scheduledAt: 'tomorrow' }).join()).toContain('date-time');
  });
});
