import { AnymailAPIError, AnymailError, EmailMessage } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SendGridBackend, type SendGridBackendOptions } from '../src/index.js';
import { sendGridError, sendGridFakeRoutes } from '../src/test/index.js';
import { expectValidMailSend, mailSendProblems } from './support/sendgrid-schema.js';

// Backend over real HTTP: a loopback node:http server that answers like SendGrid and checks
// every request body against SendGrid's OpenAPI request schema (a bad body gets a 400).
const ROUTE = 'POST /v3/mail/send';
let esp: FakeEsp;
let backend: SendGridBackend;
const makeBackend = (options: SendGridBackendOptions = {}) => new SendGridBackend({ apiKey: 'SG.test-key', apiUrl: `${esp.url}v3/`, ...options });
const routes = () => sendGridFakeRoutes({ validate: (body) => mailSendProblems(body) });

beforeAll(async () => {
  esp = await startFakeEsp(routes());
  backend = makeBackend();
});
afterAll(async () => {
  await backend.close();
  await esp.close();
});
afterEach(() => {
  for (const call of esp.calls) expectValidMailSend(call.json());
  esp.calls.length = 0;
  esp.setRoute(ROUTE, routes()[ROUTE]!);
});

function message(init: ConstructorParameters<typeof EmailMessage>[0] = {}): EmailMessage {
  return new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Hi', body: 'Hello', connection: backend, ...init });
}

describe('SendGridBackend over HTTP', () => {
  it('posts JSON to /v3/mail/send with Bearer auth and reports the generated anymail_id as messageId', async () => {
    const sent = message({ to: ['a@example.com', 'B <b@example.com>'] });
    await expect(sent.send()).resolves.toBe(1);
    const call = esp.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/v3/mail/send');
    expect(call.headers.authorization).toBe('Bearer SG.test-key');
    expect(call.headers['content-type']).toBe('application/json');
    const body = call.json() as { personalizations: Array<{ custom_args: { anymail_id: string } }> };
    const id = body.personalizations[0]!.custom_args.anymail_id;
    const status = sent.anymailStatus!;
    expect(status.espName).toBe('SendGrid');
    expect(status.messageId).toBe(id);
    expect(status.recipients).toEqual({ 'a@example.com': { status: 'queued', messageId: id }, 'b@example.com': { status: 'queued', messageId: id } });
    expect((status.espResponse as { xMessageId: string }).xMessageId).toMatch(/^[\w-]{22}$/);
  });

  it('sends a batch as one request with one id per recipient', async () => {
    const sent = message({ to: ['a@example.com', 'b@example.com'], templateId: 'd-1', mergeData: { 'a@example.com': { n: 1 }, 'b@example.com': { n: 2 } } });
    await sent.send();
    expect(esp.calls).toHaveLength(1);
    const ids = (esp.calls[0]!.json() as { personalizations: Array<{ custom_args: { anymail_id: string } }> }).personalizations.map((p) => p.custom_args.anymail_id);
    expect(sent.anymailStatus!.recipients['a@example.com']!.messageId).toBe(ids[0]);
    expect(sent.anymailStatus!.recipients['b@example.com']!.messageId).toBe(ids[1]);
    expect(sent.anymailStatus!.messageId).toEqual(new Set(ids));
  });

  it('reports the X-Message-Id header when generateMessageId is off', async () => {
    esp.setRoute(ROUTE, { status: 202, headers: { 'x-message-id': 'SG-HEADER-ID' } });
    const plain = makeBackend({ generateMessageId: false });
    const sent = message({ connection: plain });
    await sent.send();
    await plain.close();
    expect(sent.anymailStatus!.messageId).toBe('SG-HEADER-ID');
  });

  it('sends attachments and a template through the schema-checking fake', async () => {
    const sent = message({ templateId: 'd-abc', mergeGlobalData: { shop: 'Example' }, tags: ['t'], metadata: { k: 1 } });
    sent.attach('a.txt', 'attached', 'text/plain');
    sent.attachInlineImage(new Uint8Array([1, 2, 3]), { filename: 'i.png' });
    await expect(sent.send()).resolves.toBe(1);
  });

  it('raises AnymailAPIError with SendGrid’s field messages for a 400', async () => {
    esp.setRoute(ROUTE, sendGridError(400, [{ field: 'personalizations.0.to', message: 'Does not contain a valid address.' }]));
    const error = await message().send().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect((error as AnymailAPIError).statusCode).toBe(400);
    expect((error as AnymailAPIError).category).toBe('invalid-request');
    expect((error as Error).message).toContain('personalizations.0.to: Does not contain a valid address.');
    expect((error as Error).message).not.toContain('SG.test-key');
  });

  it('honours X-RateLimit-Reset on a 429 without Retry-After', async () => {
    const reset = Math.floor(Date.now() / 1000) + 30;
    esp.setRoute(ROUTE, sendGridError(429, [{ message: 'too many requests' }], { 'x-ratelimit-reset': String(reset) }));
    const error = (await message().send().catch((e: unknown) => e)) as AnymailError;
    expect(error.category).toBe('rate-limit');
    expect(error.retryAfterMs).toBeGreaterThan(25_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('gets a 401 from the fake for a request without credentials, as auth', async () => {
    esp.setRoute(ROUTE, sendGridError(401, [{ message: 'authorization required' }]));
    const error = (await message().send().catch((e: unknown) => e)) as AnymailError;
    expect(error.category).toBe('auth');
    expect(error.message).toContain('check the apiKey');
  });

  it('reuses keep-alive connections for sequential sends', async () => {
    const before = esp.connectionCount;
    const local = makeBackend();
    for (let i = 0; i < 10; i++) await message({ connection: local }).send();
    await local.close();
    // undici's pool opens a second socket after the first request; never one per send.
    expect(esp.connectionCount - before).toBeLessThanOrEqual(2);
  });

  it('gets a 400 from the fake for a body the SendGrid schema refuses (the check is live)', async () => {
    // ip_pool_name has minLength 2 in the spec; espExtra passes it through as given.
    const error = (await message({ espExtra: { ip_pool_name: 'x' } }).send().catch((e: unknown) => e)) as AnymailError;
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('/ip_pool_name');
    esp.calls.length = 0; // this one body is invalid on purpose
  });
});
