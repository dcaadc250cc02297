import { EmailMessage } from '@anymail/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BREVO_DEFAULT_API_URL, BrevoBackend } from '../src/index.js';
import { answerBrevo, brevoMswHandlers } from '../src/test/index.js';
import { smtpEmailProblems } from './support/brevo-schema.js';

// `@anymail/brevo/test`: the msw handlers, used as a user would (backend given `fetch`).
const server = setupServer(...(await brevoMswHandlers({ apiKey: 'xkeysib-msw' })));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('@anymail/brevo/test', () => {
  it('answers POST /v3/smtp/email through msw when the backend uses fetch', async () => {
    const backend = new BrevoBackend({
      apiKey: 'xkeysib-msw',
      fetch: (input, init) => {
        expect(smtpEmailProblems(JSON.parse(String(init?.body)))).toEqual([]);
        return globalThis.fetch(input, init);
      },
    });
    const message = new EmailMessage({ from: 'f@example.com', to: ['t@example.com'], subject: 'S', body: 'x', connection: backend });
    await expect(message.send()).resolves.toBe(1);
    expect(message.anymailStatus!.messageId).toMatch(/@smtp-relay\.mailin\.fr>$/);
    expect(new URL('smtp/email', BREVO_DEFAULT_API_URL).href).toBe('https://api.brevo.com/v3/smtp/email');
    const refused = new BrevoBackend({ apiKey: 'xkeysib-other', fetch: (input, init) => globalThis.fetch(input, init) });
    await expect(new EmailMessage({ from: 'f@example.com', to: ['t@example.com'], subject: 'S', body: 'x', connection: refused }).send())
      .rejects.toMatchObject({ category: 'auth' });
  });

  it('answers as Brevo does: messageIds per version, 202 with a batchId when scheduled, 400 for missing fields', () => {
    const headers = { 'api-key': 'k' };
    const versions = answerBrevo(headers, { sender: { email: 'f@example.com' }, subject: 'S', textContent: 'x', messageVersions: [{ to: [{ email: 'a@example.com' }] }, { to: [{ email: 'b@example.com' }] }] });
    expect([versions.status, (versions.body.messageIds as string[]).length]).toEqual([201, 2]);
    const scheduled = answerBrevo(headers, { sender: { email: 'f@example.com' }, subject: 'S', textContent: 'x', to: [{ email: 'a@example.com' }], scheduledAt: '2030-01-01T00:00:00Z' });
    expect(scheduled.status).toBe(202);
    expect(scheduled.body.batchId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answerBrevo(headers, { to: [{ email: 'a@example.com' }] })).toMatchObject({ status: 400, body: { code: 'missing_parameter' } });
    expect(answerBrevo({}, {})).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
  });
});
