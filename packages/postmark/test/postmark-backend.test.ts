import {
  AnymailAPIError,
  AnymailConfigurationError,
  AnymailRecipientsRefused,
  EmailMessage,
  type AnymailError,
} from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostmarkBackend } from '../src/index.js';
import { postmarkFakeRoutes, postmarkMswHandlers } from '../src/test/index.js';

let esp: FakeEsp;
const backends: PostmarkBackend[] = [];

function backend(options: ConstructorParameters<typeof PostmarkBackend>[0] = {}): PostmarkBackend {
  const created = new PostmarkBackend({ serverToken: 'server-token', apiUrl: esp.url, timeoutMs: 2000, ...options });
  backends.push(created);
  return created;
}

function message(to: string[], connection: PostmarkBackend, extra: Partial<ConstructorParameters<typeof EmailMessage>[0]> = {}): EmailMessage {
  return new EmailMessage({ from: 'sender@example.com', to, subject: 'Hello', body: 'Body', connection, ...extra });
}

beforeAll(async () => {
  esp = await startFakeEsp(postmarkFakeRoutes({ inactive: ['suppressed@example.com'] }));
});
afterEach(async () => {
  esp.calls.length = 0;
  for (const routeKey of ['POST /email', 'POST /email/batch']) esp.setRoute(routeKey, postmarkFakeRoutes({ inactive: ['suppressed@example.com'] })[routeKey]!);
  await Promise.all(backends.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await esp.close();
});

describe('PostmarkBackend settings', () => {
  it('raises AnymailConfigurationError naming every place it looked when the token is missing', () => {
    const saved = { a: process.env.POSTMARK_SERVER_TOKEN, b: process.env.ANYMAIL_POSTMARK_SERVER_TOKEN };
    delete process.env.POSTMARK_SERVER_TOKEN;
    delete process.env.ANYMAIL_POSTMARK_SERVER_TOKEN;
    try {
      const error = (() => {
        try {
          new PostmarkBackend();
        } catch (e) {
          return e;
        }
      })();
      expect(AnymailConfigurationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('POSTMARK_SERVER_TOKEN or ANYMAIL_POSTMARK_SERVER_TOKEN');
    } finally {
      if (saved.a !== undefined) process.env.POSTMARK_SERVER_TOKEN = saved.a;
      if (saved.b !== undefined) process.env.ANYMAIL_POSTMARK_SERVER_TOKEN = saved.b;
    }
  });

  it('reads the token from ANYMAIL_POSTMARK_SERVER_TOKEN and sends it as X-Postmark-Server-Token', async () => {
    const saved = process.env.ANYMAIL_POSTMARK_SERVER_TOKEN;
    process.env.ANYMAIL_POSTMARK_SERVER_TOKEN = 'from-env';
    try {
      const fromEnv = new PostmarkBackend({ apiUrl: esp.url });
      backends.push(fromEnv);
      await message(['to@example.com'], fromEnv).send();
      expect(esp.calls[0]!.headers['x-postmark-server-token']).toBe('from-env');
    } finally {
      if (saved === undefined) delete process.env.ANYMAIL_POSTMARK_SERVER_TOKEN;
      else process.env.ANYMAIL_POSTMARK_SERVER_TOKEN = saved;
    }
  });

  it('refuses an apiUrl that is not a URL', () => {
    expect(() => new PostmarkBackend({ serverToken: 't', apiUrl: 'not a url' })).toThrow(/apiUrl must be an absolute URL/);
  });

  it('never logs the server token (debugLog)', async () => {
    const lines: string[] = [];
    await message(['to@example.com'], backend({ serverToken: 'very-secret-token', debugLog: (line) => void lines.push(line) })).send();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('very-secret-token');
  });

  it('puts messageStream on every message', async () => {
    await message(['to@example.com'], backend({ messageStream: 'broadcast' })).send();
    expect((esp.calls[0]!.json() as { MessageStream: string }).MessageStream).toBe('broadcast');
  });
});

describe('PostmarkBackend single sends over HTTP', () => {
  it('posts to /email and reads the status from the answer', async () => {
    const sent = message(['One <one@example.com>', 'two@example.com'], backend());
    await expect(sent.send()).resolves.toBe(1);
    expect(esp.calls).toHaveLength(1);
    expect(esp.calls[0]!.path).toBe('/email');
    expect(esp.calls[0]!.json()).toMatchObject({ From: 'sender@example.com', To: 'One <one@example.com>, two@example.com', Subject: 'Hello', TextBody: 'Body' });
    expect([...sent.anymailStatus!.status]).toEqual(['sent']);
    expect(sent.anymailStatus!.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.anymailStatus!.espName).toBe('Postmark');
  });

  it('marks a suppressed recipient rejected when others were accepted', async () => {
    const sent = message(['ok@example.com', 'suppressed@example.com'], backend());
    await sent.send();
    expect(sent.anymailStatus!.recipients['suppressed@example.com']!.status).toBe('rejected');
    expect(sent.anymailStatus!.recipients['ok@example.com']!.status).toBe('sent');
  });

  it('turns 422 / ErrorCode 406 (every recipient inactive) into AnymailRecipientsRefused', async () => {
    const refused = message(['suppressed@example.com'], backend());
    const error = await refused.send().catch((e: unknown) => e);
    expect(AnymailRecipientsRefused.isInstance(error)).toBe(true);
    expect((error as AnymailError).statusCode).toBe(422);
    expect(refused.anymailStatus!.recipients['suppressed@example.com']!.status).toBe('rejected');
    const lenient = message(['suppressed@example.com'], backend({ ignoreRecipientStatus: true }));
    await expect(lenient.send()).resolves.toBe(1);
    expect([...lenient.anymailStatus!.status]).toEqual(['rejected']);
  });

  it('turns 422 / ErrorCode 300 naming the To address into an invalid recipient', async () => {
    esp.setRoute('POST /email', { status: 422, body: { ErrorCode: 300, Message: "Error parsing 'To': Illegal email domain 'example.com>' in address 'Jimmy <bad@example.com>'" } });
    const invalid = message(['bad@example.com'], backend());
    expect(AnymailRecipientsRefused.isInstance(await invalid.send().catch((e: unknown) => e))).toBe(true);
    expect(invalid.anymailStatus!.recipients['bad@example.com']!.status).toBe('invalid');
  });

  it('turns other 422 ErrorCodes into AnymailAPIError with Postmark’s message and category', async () => {
    esp.setRoute('POST /email', { status: 422, body: { ErrorCode: 1235, Message: "The stream provided: 'unknown-stream' does not exist on this server." } });
    const error = (await message(['to@example.com'], backend()).send().catch((e: unknown) => e)) as AnymailAPIError;
    expect(AnymailAPIError.isInstance(error)).toBe(true);
    expect(error.message).toContain("The stream provided: 'unknown-stream' does not exist");
    expect(error.code).toBe('POSTMARK_1235');
    expect(error.category).toBe('invalid-request');
    expect(error.statusCode).toBe(422);
  });

  it('reads 401 / ErrorCode 10 as an auth error and never shows the token', async () => {
    esp.setRoute('POST /email', postmarkFakeRoutes({ serverToken: 'server-token' })['POST /email']!);
    const error = (await message(['to@example.com'], backend({ serverToken: 'wrong-secret' }))
      .send()
      .catch((e: unknown) => e)) as AnymailAPIError;
    expect(error.category).toBe('auth');
    expect(error.code).toBe('POSTMARK_10');
    expect(error.statusCode).toBe(401);
    expect(error.message).toContain('The Server Token you provided');
    expect(String(error.message) + String(error.responseBody)).not.toContain('wrong-secret');
  });
});

describe('PostmarkBackend sendMessages: email/batch', () => {
  const many = (count: number, connection: PostmarkBackend) =>
    Array.from({ length: count }, (_, i) => message([i === 7 ? 'suppressed@example.com' : `user${i}@example.com`], connection));

  it('sends 1200 plain messages as three email/batch requests, each message with its own entry', async () => {
    const lenient = backend({ ignoreRecipientStatus: true });
    const messages = many(1200, lenient);
    await expect(lenient.sendMessages(messages)).resolves.toBe(1200);
    expect(esp.calls.map((call) => [call.path, (call.json() as unknown[]).length])).toEqual([
      ['/email/batch', 500],
      ['/email/batch', 500],
      ['/email/batch', 200],
    ]);
    expect(messages[7]!.anymailStatus!.recipients['suppressed@example.com']!.status).toBe('rejected');
    expect(messages[1199]!.anymailStatus!.recipients['user1199@example.com']!.status).toBe('sent');
    expect(new Set(messages.map((m) => m.anymailStatus!.messageId)).size).toBe(1200);
    expect(esp.connectionCount).toBeGreaterThan(0);
  });

  it('raises AnymailRecipientsRefused after the batch when a message had every recipient refused', async () => {
    const strict = backend();
    const messages = many(10, strict);
    expect(AnymailRecipientsRefused.isInstance(await strict.sendMessages(messages).catch((e: unknown) => e))).toBe(true);
    expect(messages[9]!.anymailStatus!.status.has('sent')).toBe(true);
  });

  it('sends a message with its own server token, or a template, on its own', async () => {
    const connection = backend();
    const messages = [
      message(['a@example.com'], connection),
      message(['b@example.com'], connection, { espExtra: { serverToken: 'other-token' } }),
      new EmailMessage({ from: 'sender@example.com', to: ['c@example.com'], templateId: '42', connection }),
      message(['d@example.com'], connection),
    ];
    await expect(connection.sendMessages(messages)).resolves.toBe(4);
    expect(esp.calls.map((call) => call.path).sort()).toEqual(['/email', '/email/batch', '/email/withTemplate']);
    expect(esp.calls.find((call) => call.path === '/email')!.headers['x-postmark-server-token']).toBe('other-token');
    expect((esp.calls.find((call) => call.path === '/email/batch')!.json() as Array<{ To: string }>).map((m) => m.To)).toEqual(['a@example.com', 'd@example.com']);
  });

  it('sends mergeData through email/batchWithTemplates with one status per recipient', async () => {
    const sent = new EmailMessage({
      from: 'sender@example.com',
      to: ['one@example.com', 'suppressed@example.com'],
      templateId: 'welcome',
      mergeData: { 'one@example.com': { name: 'One' } },
      connection: backend(),
    });
    await sent.send();
    expect(esp.calls[0]!.path).toBe('/email/batchWithTemplates');
    expect(sent.anymailStatus!.recipients['one@example.com']!.status).toBe('sent');
    expect(sent.anymailStatus!.recipients['suppressed@example.com']!.status).toBe('rejected');
  });
});

describe('PostmarkBackend through fetch with the msw handlers', () => {
  let server: ReturnType<typeof setupServer>;
  beforeAll(async () => {
    server = setupServer(...(await postmarkMswHandlers({ apiUrl: 'https://postmark.test/', inactive: ['gone@example.com'] })));
    server.listen({ onUnhandledRequest: 'error' });
  });
  afterAll(() => server.close());

  it('refuses, in test mode, a backend that would reach the real api.postmarkapp.com (no fetch, so msw cannot see it)', async () => {
    const withoutFetch = backend({ apiUrl: undefined, serverToken: 'a-real-looking-token' });
    const error = await message(['x@example.com'], withoutFetch).send().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    expect((error as Error).message).toMatch(/Test mode: Postmark refused to send to https:\/\/api\.postmarkapp\.com/);
    expect((error as Error).message).toMatch(/fetch: \(\.\.\.args\) => fetch\(\.\.\.args\)/);
  });

  it('sends and reads statuses through the msw Postmark', async () => {
    const viaFetch = backend({ apiUrl: 'https://postmark.test/', fetch: (input, init) => fetch(input, init) });
    const messages = [message(['x@example.com'], viaFetch), message(['gone@example.com'], viaFetch)];
    await viaFetch.sendMessages(messages).catch(() => undefined);
    expect([...messages[0]!.anymailStatus!.status]).toEqual(['sent']);
    expect([...messages[1]!.anymailStatus!.status]).toEqual(['rejected']);
  });

  it('answers 401 without a token, as Postmark does', async () => {
    server.use(http.post('https://postmark.test/email', () => HttpResponse.json({ ErrorCode: 10, Message: 'bad token' }, { status: 401 })));
    const viaFetch = backend({ apiUrl: 'https://postmark.test/', fetch: (input, init) => fetch(input, init) });
    const error = (await message(['x@example.com'], viaFetch).send().catch((e: unknown) => e)) as AnymailAPIError;
    expect(error.category).toBe('auth');
    expect(error.message).toContain('bad token');
    server.resetHandlers();
  });
});
