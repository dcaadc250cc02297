import { describe, expect, it } from 'vitest';
import { expectValidSendEmail, sendEmailProblems } from './support/resend-schema.js';

// The validator the payload tests rely on: it must accept what Resend documents and refuse bad bodies.
describe('Resend request schema validator', () => {
  it('accepts a documented single email and a batch', () => {
    const email = { from: 'Acme <onboarding@resend.dev>', to: ['delivered@resend.dev'], subject: 'hello world', html: '<p>it works!</p>' };
    expectValidSendEmail(email);
    expectValidSendEmail({ ...email, to: 'delivered@resend.dev', reply_to: 'r@example.com', tags: [{ name: 'category', value: 'confirm_email' }] });
    expectValidSendEmail([email, { ...email, text: 'it works!' }], '/emails/batch');
  });

  it('checks attachment content as base64 (the spec says format: binary)', () => {
    const email = { from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' };
    expectValidSendEmail({ ...email, attachments: [{ filename: 'a.txt', content: Buffer.from('hi').toString('base64'), content_type: 'text/plain' }] });
    expect(sendEmailProblems({ ...email, attachments: [{ filename: 'a.txt', content: 'not base64!' }] }).join()).toContain('binary');
  });

  it('refuses a body without from, an unknown field, a bad tag or template', () => {
    expect(sendEmailProblems({ to: 'b@example.com', subject: 's' }).join()).toContain('from');
    expect(sendEmailProblems({ from: 'a@example.com', to: 'b@example.com', subject: 's', replyTo: 'x@example.com' }).join()).toContain('additional');
    expect(sendEmailProblems({ from: 'a@example.com', to: 'b@example.com', subject: 's', tags: [{ name: 'n', val: 'v' }] })).not.toEqual([]);
    expect(sendEmailProblems({ from: 'a@example.com', to: 'b@example.com', subject: 's', template: { variables: {} } }).join()).toContain('id');
    expect(sendEmailProblems({ from: 'a@example.com', to: [], subject: 's' })).not.toEqual([]);
  });
});
