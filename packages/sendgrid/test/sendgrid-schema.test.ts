import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectValidMailSend, mailSendProblems } from './support/sendgrid-schema.js';

// The validator the other tests rely on: it must accept SendGrid's own examples and refuse bad bodies.
const spec = JSON.parse(readFileSync(new URL('./fixtures/tsg_mail_v3.json', import.meta.url), 'utf8'));
const examples = spec.components.requestBodies.PostMailSend.content['application/json'].examples as Record<string, { value: unknown }>;

describe('SendGrid request schema validator', () => {
  for (const [name, example] of Object.entries(examples)) {
    it(`accepts the spec's ${name} example`, () => expectValidMailSend(example.value));
  }

  it('accepts message-level custom_args as an object of strings (the spec bug worked around)', () => {
    expectValidMailSend({ personalizations: [{ to: [{ email: 'a@example.com' }] }], from: { email: 'f@example.com' }, custom_args: { k: 'v' } });
  });

  it('refuses a body without personalizations, with a bad address, or with an unknown field', () => {
    expect(mailSendProblems({ from: { email: 'f@example.com' } }).join()).toContain('personalizations');
    expect(mailSendProblems({ personalizations: [{ to: [{ email: 'not an address' }] }], from: { email: 'f@example.com' } }).join()).toContain('email');
    expect(mailSendProblems({ personalizations: [{ to: [] }], from: { email: 'f@example.com' }, replyTo: [] }).join()).toContain('additional');
    expect(mailSendProblems({ personalizations: [{ to: [] }], from: { email: 'f@example.com' }, custom_args: { n: 1 } })).not.toEqual([]);
  });
});
