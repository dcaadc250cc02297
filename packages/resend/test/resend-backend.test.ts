import { AnymailAPIError, AnymailConfigurationError, EmailMessage, type EmailMessageInit } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ResendBackend } from '../src/index.js';
import { resendFakeRoutes, resendMswHandlers } from '../src/test/index.js';
import { expectValidSendEmail } from './support/resend-schema.js';

let esp: FakeEsp;
const backends: ResendBackend[] = [];
const KEY = 're_backend_test_key';

function backend(options: ConstructorParameters<typeof ResendBackend>[0] = {}): ResendBackend {
  const created = new ResendBackend({ apiKey: KEY, apiUrl: esp.url, timeoutMs: 2000, ...options });
  backends.push(created);
  return created;
}
function message(connection: ResendBackend, fields: Partial<EmailMessageInit> = {}): EmailMessage {
  return new EmailMessage({ from: 'sender@example.com', to: ['to@example.com'], subject: 'Hello', body: 'Body', connection, ...fields });
}
async function apiError(promise: Promise<unknown>): Promise<AnymailAPIError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(AnymailAPIError.isInstance(error)).toBe(true);
  return error as AnymailAPIError;
}
function withEnv<T>(values: Record<string, string | undefined>, run: () => T): T {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const apply = (entries: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(values);
  try {
    return run();
  } finally {
    apply(saved);
  }
}
const resetRoutes = () => {
  const routes = resendFakeRoutes({ apiKey: KEY });
  for (const [key, route] of Object.entries(routes)) esp.setRoute(key, route);
};

beforeAll(async () => {
  esp = await startFakeEsp(resendFakeRoutes({ apiKey: KEY }));
});
afterEach(async () => {
  esp.calls.length = 0;
  resetRoutes();
  await Promise.all(backends.splice(0).map((created) => created.close()));
});
afterAll(async () => {
  await esp.close();
});

describe('ResendBackend settings', () => {
  it('raises AnymailConfigurationError naming RESEND_API_KEY and ANYMAIL_RESEND_API_KEY when the key is missing', () => {
    withEnv({ RESEND_API_KEY: undefined, ANYMAIL_RESEND_API_KEY: undefined }, () => {
      expect(() => new ResendBackend()).toThrow(AnymailConfigurationError);
      expect(() => new ResendBackend()).toThrow(/RESEND_API_KEY or ANYMAIL_RESEND_API_KEY/);
    });
  });

  it('reads the key from RESEND_API_KEY (and ANYMAIL_RESEND_API_KEY) and sends it as a Bearer token', async () => {
    const fromEnv = withEnv({ RESEND_API_KEY: undefined, ANYMAIL_RESEND_API_KEY: KEY }, () => backend({ apiKey: undefined }));
    await message(fromEnv).send();
    expect(esp.calls[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    const plain = withEnv({ RESEND_API_KEY: 're_other', ANYMAIL_RESEND_API_KEY: undefined }, () => new ResendBackend({ apiUrl: esp.url }));
    backends.push(plain);
    expect((await apiError(message(plain).send())).category).toBe('auth');
  });

  it('refuses an unknown option (naming the closest), a bad apiUrl and a key with spaces, never showing the key', () => {
    expect(() => new ResendBackend({ apiKey: KEY, apiURL: 'x' } as never)).toThrow(/apiUrl/);
    expect(() => new ResendBackend({ apiKey: KEY, apiUrl: 'not a url' })).toThrow(/absolute URL/);
    const error = (() => {
      try {
        new ResendBackend({ apiKey: 're_secret value' });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toMatch(/printable ASCII/);
    expect(error?.message).not.toContain('re_secret');
  });
});

describe('ResendBackend single sends over HTTP', () => {
  it('posts to /emails and marks every recipient queued with the id Resend answers', async () => {
    const sent = message(backend(), { to: ['a@example.com'], cc: ['b@example.com'] });
    await expect(sent.send()).resolves.toBe(1);
    expect(esp.calls.map((call) => call.path)).toEqual(['/emails']);
    expectValidSendEmail(esp.calls[0]!.json());
    const status = sent.anymailStatus!;
    expect([...status.status]).toEqual(['queued']);
    expect(status.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(status.recipients['b@example.com']).toEqual({ status: 'queued', messageId: status.messageId });
  });

  it('reads 422 as invalid-request with Resend\'s message and name, and 403 as auth, never showing the key', async () => {
    esp.setRoute('POST /emails', { status: 422, body: { statusCode: 422, message: 'Invalid `to` field.', name: 'validation_error' } });
    const invalid = await apiError(message(backend()).send());
    expect(invalid).toMatchObject({ category: 'invalid-request', code: 'RESEND_VALIDATION_ERROR', statusCode: 422 });
    expect(invalid.message).toContain('Invalid `to` field. (validation_error)');
    resetRoutes();
    const denied = await apiError(message(backend({ apiKey: 're_wrong_key' })).send());
    expect(denied).toMatchObject({ category: 'auth', code: 'RESEND_INVALID_API_KEY', statusCode: 403 });
    expect(JSON.stringify({ message: denied.message, body: denied.responseBody })).not.toContain('re_wrong_key');
  });

  it('reads 429 rate_limit_exceeded as rate-limit, waiting what ratelimit-reset says', async () => {
    esp.setRoute('POST /emails', {
      status: 429,
      headers: { 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '2' },
      body: { statusCode: 429, message: 'Too many requests. You can only make 2 requests per second.', name: 'rate_limit_exceeded' },
    });
    expect(await apiError(message(backend()).send())).toMatchObject({ category: 'rate-limit', retryAfterMs: 2000, code: 'RESEND_RATE_LIMIT_EXCEEDED' });
  });

  it('falls back to the HTTP status for a body that is not Resend\'s (a proxy\'s 502 page)', async () => {
    esp.setRoute('POST /emails', { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' });
    expect(await apiError(message(backend()).send())).toMatchObject({ category: 'server', statusCode: 502 });
  });

  it('raises ANYMAIL_BAD_RESPONSE for a 200 without an id', async () => {
    esp.setRoute('POST /emails', { status: 200, body: { ok: true } });
    expect(await apiError(message(backend()).send())).toMatchObject({ code: 'ANYMAIL_BAD_RESPONSE' });
  });

  it('sends espExtra.idempotencyKey as Idempotency-Key: a repeat gets the first answer, another body 409', async () => {
    const connection = backend();
    const first = message(connection, { espExtra: { idempotencyKey: 'order-1042' } });
    const again = message(connection, { espExtra: { idempotencyKey: 'order-1042' } });
    await first.send();
    await again.send();
    expect(esp.calls.map((call) => call.headers['idempotency-key'])).toEqual(['order-1042', 'order-1042']);
    expect(again.anymailStatus!.messageId).toBe(first.anymailStatus!.messageId);
    const other = await apiError(message(connection, { subject: 'Other', espExtra: { idempotencyKey: 'order-1042' } }).send());
    expect(other).toMatchObject({ statusCode: 409, code: 'RESEND_INVALID_IDEMPOTENT_REQUEST', category: 'invalid-request' });
  });
});

describe('ResendBackend sendMessages: /emails/batch', () => {
  it('sends 250 plain messages as three /emails/batch requests (100, 100, 50), each message with its own id', async () => {
    const connection = backend();
    const messages = Array.from({ length: 250 }, (_, index) => message(connection, { to: [`user${index}@example.com`] }));
    await expect(connection.sendMessages(messages)).resolves.toBe(250);
    expect(esp.calls.map((call) => [call.path, (call.json() as unknown[]).length])).toEqual([
      ['/emails/batch', 100],
      ['/emails/batch', 100],
      ['/emails/batch', 50],
    ]);
    expectValidSendEmail(esp.calls[0]!.json(), '/emails/batch');
    expect(messages[249]!.anymailStatus!.recipients['user249@example.com']!.status).toBe('queued');
    expect(new Set(messages.map((sent) => sent.anymailStatus!.messageId)).size).toBe(250);
  });

  it('sends messages with attachments, sendAt or an idempotency key on their own', async () => {
    const connection = backend();
    const plain = [message(connection), message(connection)];
    const withAttachment = message(connection);
    withAttachment.attach('a.txt', 'hello', 'text/plain');
    const scheduled = message(connection, { sendAt: new Date('2030-01-01T00:00:00Z') });
    const keyed = message(connection, { espExtra: { idempotencyKey: 'k1' } });
    await connection.sendMessages([...plain, withAttachment, scheduled, keyed]);
    expect(esp.calls.map((call) => call.path).sort()).toEqual(['/emails', '/emails', '/emails', '/emails/batch']);
  });

  it('sends a merge send through /emails/batch with one status per recipient', async () => {
    const connection = backend();
    const merged = message(connection, { to: ['a@example.com', 'b@example.com'], mergeMetadata: { 'a@example.com': { n: '1' } } });
    await merged.send();
    expect(esp.calls.map((call) => call.path)).toEqual(['/emails/batch']);
    const { recipients } = merged.anymailStatus!;
    expect(recipients['a@example.com']!.status).toBe('queued');
    expect(recipients['a@example.com']!.messageId).not.toBe(recipients['b@example.com']!.messageId);
    expect(merged.anymailStatus!.messageId).toBeInstanceOf(Set);
  });

  it('asks for permissive validation: a message Resend refuses fails alone, the others are sent', async () => {
    const connection = backend();
    const tooMany = Array.from({ length: 51 }, (_, index) => `r${index}@example.com`);
    const messages = [message(connection, { to: ['a@example.com'] }), message(connection, { to: tooMany }), message(connection, { to: ['c@example.com'] })];
    await expect(connection.sendMessages(messages)).resolves.toBe(3);
    expect(esp.calls.map((call) => [call.path, call.headers['x-batch-validation']])).toEqual([['/emails/batch', 'permissive']]);
    expect(messages.map((sent) => [...sent.anymailStatus!.status])).toEqual([['queued'], ['failed'], ['queued']]);
    expect(messages[1]!.anymailStatus!.espResponse).toMatchObject({ index: 1, message: expect.stringContaining('50') });
    expect(messages[2]!.anymailStatus!.messageId).not.toBe(messages[0]!.anymailStatus!.messageId);
  });

  it('reads a merge send answered in part: the refused recipient failed, the others queued; all refused raises', async () => {
    esp.setRoute('POST /emails/batch', { status: 200, body: { data: [{ id: 'id-b' }], errors: [{ index: 0, message: 'Invalid `to` field.' }] } });
    const connection = backend();
    const partial = message(connection, { to: ['a@example.com', 'b@example.com'], mergeMetadata: { 'a@example.com': { n: '1' } } });
    await partial.send();
    expect(esp.calls[0]!.headers['x-batch-validation']).toBe('permissive');
    expect(partial.anymailStatus!.recipients).toEqual({ 'a@example.com': { status: 'failed', messageId: null }, 'b@example.com': { status: 'queued', messageId: 'id-b' } });
    esp.setRoute('POST /emails/batch', { status: 200, body: { data: [], errors: [{ index: 0, message: 'Invalid `to` field.' }, { index: 1, message: 'Invalid `to` field.' }] } });
    const refused = await apiError(message(connection, { to: ['a@example.com', 'b@example.com'], mergeMetadata: { 'a@example.com': { n: '1' } } }).send());
    expect(refused).toMatchObject({ category: 'invalid-request', code: 'RESEND_BATCH_VALIDATION_ERROR' });
    expect(refused.message).toContain('Invalid `to` field.');
  });

  it('raises ANYMAIL_BAD_RESPONSE when ids and errors do not add up to the emails sent', async () => {
    esp.setRoute('POST /emails/batch', { status: 200, body: { data: [{ id: 'only-one' }] } });
    const connection = backend();
    expect(await apiError(connection.sendMessages([message(connection), message(connection)]))).toMatchObject({ code: 'ANYMAIL_BAD_RESPONSE' });
  });

  it('reads a 403 validation_error (unverified domain, sandbox sender) as auth: another ESP may send it', async () => {
    esp.setRoute('POST /emails', { status: 403, body: { statusCode: 403, message: 'The example.com domain is not verified.', name: 'validation_error' } });
    expect(await apiError(message(backend()).send())).toMatchObject({ category: 'auth', code: 'RESEND_VALIDATION_ERROR' });
  });
});

describe('ResendBackend through fetch with the msw handlers', () => {
  let server: ReturnType<typeof setupServer>;
  beforeAll(async () => {
    server = setupServer(...(await resendMswHandlers({ apiUrl: 'https://resend.test/', apiKey: KEY })));
    server.listen({ onUnhandledRequest: 'error' });
  });
  afterAll(() => server.close());

  it('sends and reads statuses through the msw Resend, one message and a batch', async () => {
    const viaFetch = backend({ apiUrl: 'https://resend.test/', fetch: (input, init) => fetch(input, init) });
    const single = message(viaFetch);
    await single.send();
    expect([...single.anymailStatus!.status]).toEqual(['queued']);
    const pair = [message(viaFetch), message(viaFetch)];
    await viaFetch.sendMessages(pair);
    expect(pair.map((sent) => [...sent.anymailStatus!.status])).toEqual([['queued'], ['queued']]);
  });

  it('answers 401 missing_api_key without a key, as Resend does', async () => {
    const noKey = backend({ apiUrl: 'https://resend.test/', fetch: (input, init) => fetch(input, { ...init, headers: {} }) });
    expect(await apiError(message(noKey).send())).toMatchObject({ statusCode: 401, category: 'auth', code: 'RESEND_MISSING_API_KEY' });
  });
});
