import { EmailMessage } from '@anymail/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDGRID_API_URL, SendGridBackend } from '../src/index.js';
import { expectValidMailSend } from './support/sendgrid-schema.js';
import { fakeSendGridMessageId, sendGridAccepted, sendGridError, sendGridMswHandlers } from '../src/test/index.js';

// `@anymail/sendgrid/test`: the msw handlers, used as a user would (backend given `fetch`).
const server = setupServer(...(await sendGridMswHandlers({ messageId: 'MSW-MESSAGE-ID' })));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('@anymail/sendgrid/test', () => {
  it('answers Mail Send with 202 through msw when the backend uses fetch', async () => {
    const backend = new SendGridBackend({ apiKey: 'SG.msw', generateMessageId: false,
      fetch: (input, init) => {
        expectValidMailSend(JSON.parse(String(init?.body)));
        return globalThis.fetch(input, init);
      },
 });
    const message = new EmailMessage({ from: 'f@example.com', to: ['t@example.com'], body: 'x', connection: backend });
    await expect(message.send()).resolves.toBe(1);
    expect(message.anymailStatus!.messageId).toBe('MSW-MESSAGE-ID');
    expect(new URL('mail/send', SENDGRID_API_URL).href).toBe('https://api.sendgrid.com/v3/mail/send');
  });

  it('builds SendGrid-shaped replies', () => {
    expect(fakeSendGridMessageId()).toMatch(/^[\w-]{22}$/);
    expect(sendGridAccepted('ID')).toEqual({ status: 202, headers: { 'x-message-id': 'ID' }, body: '' });
    expect(sendGridError(400, [{ message: 'bad' }]).body).toEqual({ errors: [{ field: null, message: 'bad' }] });
  });
});
