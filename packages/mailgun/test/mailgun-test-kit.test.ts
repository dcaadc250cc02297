import { EmailMessage, type AnymailError } from '@anymail/core';
import { startFakeEsp } from '@anymail/core/test';
import { setupServer } from 'msw/node';
import { describe, expect, it } from 'vitest';
import { MailgunBackend } from '../src/index.js';
import { createFakeMailgun, mailgunFakeRoutes, mailgunMswHandlers } from '../src/test/index.js';

const message = (backend: MailgunBackend, init: Partial<ConstructorParameters<typeof EmailMessage>[0]> = {}) =>
  new EmailMessage({ from: 'app@mg.example.com', to: ['user@example.com'], subject: 'Hi', body: 'Hello', connection: backend, ...init });

describe('@anymail/mailgun/test: loopback routes', () => {
  it('accepts a send, records its fields and files, and answers with a Message-ID', async () => {
    const fake = createFakeMailgun({ apiKey: 'key-1', domains: ['mg.example.com'] });
    const esp = await startFakeEsp(fake.routes);
    const backend = new MailgunBackend({ apiKey: 'key-1', apiUrl: `${esp.url}v3` });
    try {
      const sent = message(backend, { tags: ['t1', 't2'] });
      sent.attach('notes.txt', 'some notes', 'text/plain');
      await sent.send();
      expect(fake.sends).toHaveLength(1);
      const [send] = fake.sends;
      expect(send!.domain).toBe('mg.example.com');
      expect(send!.getAll('o:tag')).toEqual(['t1', 't2']);
      expect(send!.files.map((f) => [f.field, f.filename, Buffer.from(f.content).toString()])).toEqual([['attachment', 'notes.txt', 'some notes']]);
      expect(sent.anymailStatus!.messageId).toBe(send!.messageId);
      expect(send!.messageId).toMatch(/^<.+@mg\.example\.com>$/);
    } finally {
      await backend.close();
      await esp.close();
    }
  });

  it('answers like Mailgun for a wrong key, an unknown domain, a missing body and a wrong path', async () => {
    const fake = createFakeMailgun({ apiKey: 'key-1', domains: ['mg.example.com'] });
    const esp = await startFakeEsp(fake.routes);
    const backends = [
      new MailgunBackend({ apiKey: 'wrong', apiUrl: `${esp.url}v3` }),
      new MailgunBackend({ apiKey: 'key-1', apiUrl: `${esp.url}v3`, senderDomain: 'other.example.com' }),
      new MailgunBackend({ apiKey: 'key-1', apiUrl: `${esp.url}v3` }),
      new MailgunBackend({ apiKey: 'key-1', apiUrl: `${esp.url}api/` }),
    ];
    try {
      const errors = await Promise.all(
        backends.map((backend, i) => message(backend, i === 2 ? { body: '' } : {}).send().catch((e: unknown) => e as AnymailError)),
      );
      expect(errors.map((e) => (e as AnymailError).statusCode)).toEqual([401, 404, 400, 404]);
      expect(errors.map((e) => (e as AnymailError).code)).toEqual([
        'ANYMAIL_API_ERROR',
        'MAILGUN_DOMAIN_NOT_FOUND',
        'ANYMAIL_API_ERROR',
        'MAILGUN_WRONG_API_URL',
      ]);
      expect(fake.sends).toHaveLength(0);
    } finally {
      await Promise.all(backends.map((backend) => backend.close()));
      await esp.close();
    }
  });
});

describe('@anymail/mailgun/test: mailgunFakeRoutes() and mailgunMswHandlers()', () => {
  it('answer like the fake Mailgun, for startFakeEsp and for msw', async () => {
    const esp = await startFakeEsp(mailgunFakeRoutes({ apiKey: 'key-1' }));
    const server = setupServer(...(await mailgunMswHandlers({ apiKey: 'key-1' })));
    server.listen({ onUnhandledRequest: 'error' });
    const loopback = new MailgunBackend({ apiKey: 'key-1', apiUrl: `${esp.url}v3` });
    const fetch = (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init);
    try {
      const viaLoopback = message(loopback);
      await viaLoopback.send();
      expect(viaLoopback.anymailStatus!.messageId).toMatch(/^<.+@mg\.example\.com>$/);
      expect(esp.calls).toHaveLength(1);
      const viaMsw = message(new MailgunBackend({ apiKey: 'key-1', fetch }));
      await viaMsw.send();
      expect(viaMsw.anymailStatus!.messageId).toMatch(/^<.+@mg\.example\.com>$/);
      const denied = await message(new MailgunBackend({ apiKey: 'nope', fetch })).send().catch((e: unknown) => e as AnymailError);
      expect((denied as AnymailError).statusCode).toBe(401);
    } finally {
      server.close();
      await loopback.close();
      await esp.close();
    }
  });
});

describe('@anymail/mailgun/test: msw handlers', () => {
  it('intercept a backend that sends through fetch, on the US and EU hosts', async () => {
    const fake = createFakeMailgun({ apiKey: 'key-1' });
    const server = setupServer(...(await fake.mswHandlers()));
    server.listen({ onUnhandledRequest: 'error' });
    try {
      const fetch = (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init);
      for (const region of ['us', 'eu'] as const) {
        const backend = new MailgunBackend({ apiKey: 'key-1', region, fetch });
        await message(backend, { metadata: { region } }).send();
      }
      expect(fake.sends.map((send) => send.get('v:region'))).toEqual(['us', 'eu']);
      const denied = await message(new MailgunBackend({ apiKey: 'nope', fetch })).send().catch((e: unknown) => e as AnymailError);
      expect([(denied as AnymailError).statusCode, (denied as AnymailError).category]).toEqual([401, 'auth']);
    } finally {
      server.close();
    }
  });
});
