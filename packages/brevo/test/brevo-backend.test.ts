import { readFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AnymailAPIError, AnymailConfigurationError, EmailMessage, configure } from '@anymail/core';
import { startFakeEsp, type FakeEsp, type FakeEspReply } from '@anymail/core/test';
import { BrevoBackend } from '../src/index.js';
import { brevoFakeRoutes } from '../src/test/index.js';
import { smtpEmailProblems } from './support/brevo-schema.js';

const fixture = (name: string): object => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as object;
const KEY = 'xkeysib-backend-test';

// The fake Brevo refuses (400) any body that does not validate against Brevo's API description.
const esp: FakeEsp = await startFakeEsp(brevoFakeRoutes({ apiKey: KEY, validate: (body) => smtpEmailProblems(body) }));
const defaultRoute = brevoFakeRoutes({ apiKey: KEY, validate: (body) => smtpEmailProblems(body) })['POST /v3/smtp/email']!;
afterAll(() => esp.close());
beforeEach(() => {
  esp.calls.length = 0;
  esp.setRoute('POST /v3/smtp/email', defaultRoute);
});
const backend = (options: ConstructorParameters<typeof BrevoBackend>[0] = {}) => new BrevoBackend({ apiKey: KEY, apiUrl: `${esp.url}v3`, ...options });
const message = (init: ConstructorParameters<typeof EmailMessage>[0] = {}) =>
  new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Hi', body: 'Body', ...init });
const calls = () => esp.calls.map((call) => call.json() as any);

describe('BrevoBackend over HTTP', () => {
  it('posts to /v3/smtp/email with the api-key and reads the messageId (queued)', async () => {
    const connection = backend();
    const sent = message({ to: ['a@example.com', 'b@example.com'], connection });
    await expect(sent.send()).resolves.toBe(1);
    await connection.close();
    expect(esp.calls[0]).toMatchObject({ method: 'POST', path: '/v3/smtp/email' });
    expect(esp.calls[0]!.headers['api-key']).toBe(KEY);
    const status = sent.anymailStatus!;
    expect([...status.status]).toEqual(['queued']);
    expect(status.messageId).toMatch(/^<\d+\.\d+@smtp-relay\.mailin\.fr>$/);
    expect(Object.keys(status.recipients)).toEqual(['a@example.com', 'b@example.com']);
    expect(status.espName).toBe('Brevo');
  });

  it('gives each batch recipient the message id of its version', async () => {
    esp.setRoute('POST /v3/smtp/email', { status: 201, body: fixture('brevo-smtp-email-201-versions.json') });
    const connection = backend();
    const sent = message({ to: ['a@example.com', 'b@example.com'], cc: ['c@example.com'], mergeData: {}, connection });
    await sent.send();
    await connection.close();
    const { recipients } = sent.anymailStatus!;
    expect(recipients['a@example.com']!.messageId).toBe('<201798300811.5787683@relay.domain.com>');
    expect(recipients['b@example.com']!.messageId).toBe('<201798300811.5787684@relay.domain.com>');
    expect(recipients['c@example.com']!.messageId).toBe('<201798300811.5787683@relay.domain.com>');
    expect(sent.anymailStatus!.messageId).toEqual(new Set(['<201798300811.5787683@relay.domain.com>', '<201798300811.5787684@relay.domain.com>']));
  });

  it('reads a scheduled send (202 with batchId) as queued, keeping the answer', async () => {
    esp.setRoute('POST /v3/smtp/email', { status: 202, body: fixture('brevo-smtp-email-202-scheduled.json') });
    const connection = backend();
    const sent = message({ sendAt: new Date('2031-01-01T00:00:00Z'), connection });
    await sent.send();
    await connection.close();
    expect([...sent.anymailStatus!.status]).toEqual(['queued']);
    expect(sent.anymailStatus!.espResponse).toMatchObject({ batchId: '5c6cfa04-eed9-42c2-8b5c-6d470d978e9d' });
  });

  it('refuses an answer whose ids do not fit the request (ANYMAIL_BAD_RESPONSE, delivery unknown)', async () => {
    esp.setRoute('POST /v3/smtp/email', { status: 201, body: fixture('brevo-smtp-email-201.json') });
    const connection = backend();
    const error = await message({ to: ['a@example.com', 'b@example.com'], mergeData: {}, connection }).send().catch((e: unknown) => e);
    await connection.close();
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect(error).toMatchObject({ code: 'ANYMAIL_BAD_RESPONSE', deliveryUnknown: true });
  });
});

describe('Brevo error answers', () => {
  const cases: Array<[string, FakeEspReply, { category: string; code: string; retryAfterMs?: number }]> = [
    ['400 invalid_parameter', { status: 400, body: fixture('brevo-smtp-email-400-invalid-parameter.json') }, { category: 'invalid-request', code: 'BREVO_INVALID_PARAMETER' }],
    ['401 unauthorized', { status: 401, body: fixture('brevo-smtp-email-401-unauthorized.json') }, { category: 'auth', code: 'BREVO_UNAUTHORIZED' }],
    ['402 not_enough_credits', { status: 402, body: fixture('brevo-smtp-email-402-credits.json') }, { category: 'auth', code: 'BREVO_NOT_ENOUGH_CREDITS' }],
    ['405 method_not_allowed', { status: 405, body: fixture('brevo-smtp-email-405.json') }, { category: 'invalid-request', code: 'BREVO_METHOD_NOT_ALLOWED' }],
    ['403 permission_denied', { status: 403, body: { code: 'permission_denied', message: 'Unrecognised IP address' } }, { category: 'auth', code: 'BREVO_PERMISSION_DENIED' }],
    ['429 with x-sib-ratelimit-reset', { status: 429, headers: { 'x-sib-ratelimit-reset': '3' }, body: { message: 'Too many requests' } }, { category: 'rate-limit', code: 'BREVO_ERROR', retryAfterMs: 3000 }],
    ['an unknown code on 500', { status: 500, body: { code: 'something_new', message: 'oops' } }, { category: 'server', code: 'BREVO_SOMETHING_NEW' }],
  ];
  for (const [name, reply, want] of cases) {
    it(`maps ${name}`, async () => {
      esp.setRoute('POST /v3/smtp/email', reply);
      const connection = backend();
      const error = await message({ connection }).send().catch((e: unknown) => e);
      await connection.close();
      expect(error).toBeInstanceOf(AnymailAPIError);
      expect(error).toMatchObject({ ...want, espName: 'Brevo', statusCode: reply.status });
      expect((error as Error).message).toContain((reply.body as { message: string }).message);
    });
  }
  it('the fake Brevo answers 401 for a wrong key, as Brevo does', async () => {
    const connection = backend({ apiKey: 'xkeysib-wrong' });
    const error = await message({ connection }).send().catch((e: unknown) => e);
    await connection.close();
    expect(error).toMatchObject({ category: 'auth', code: 'BREVO_UNAUTHORIZED' });
    expect(String(error)).not.toContain('xkeysib-wrong');
  });
});

describe('sendMessages: messages as versions of one request', () => {
  it('combines messages that share sender and content fields; each gets its own version and id', async () => {
    const connection = backend();
    const messages = Array.from({ length: 5 }, (_, i) => message({ to: [`r${i}@example.com`], subject: `Hi ${i}`, metadata: { n: i }, connection }));
    await expect(connection.sendMessages(messages)).resolves.toBe(5);
    await connection.close();
    expect(esp.calls).toHaveLength(1);
    const [request] = calls();
    expect(request.subject).toBe('Hi 0');
    expect(request.messageVersions.map((version: any) => [version.to[0].email, version.subject, version.headers])).toEqual(
      messages.map((_, i) => [`r${i}@example.com`, `Hi ${i}`, { 'X-Mailin-custom': `{"n":${i}}` }]),
    );
    const ids = messages.map((sent) => sent.anymailStatus!.messageId);
    expect(new Set(ids).size).toBe(5);
    expect(messages.map((sent) => Object.keys(sent.anymailStatus!.recipients))).toEqual(messages.map((_, i) => [`r${i}@example.com`]));
  });

  it('sends messages that cannot share a request separately: other sender, other content fields, many recipients', async () => {
    const connection = backend();
    const html = message({ to: ['h@example.com'] });
    html.attachAlternative('<p>x</p>', 'text/html');
    const messages = [
      message({ to: ['a@example.com'] }),
      message({ from: 'other@example.com', to: ['b@example.com'] }),
      message({ to: ['c@example.com'] }),
      html,
      message({ to: Array.from({ length: 25 }, (_, i) => `many${i}@example.com`) }),
      message({ to: ['d@example.com'], tags: ['t'] }),
      message({ to: [], bcc: ['hidden@example.com'] }),
    ];
    for (const each of messages) each.connection = connection;
    const results = await connection.sendResults(messages);
    await connection.close();
    const shapes = calls().map((request) =>
      request.messageVersions ? `versions:${request.messageVersions.map((v: any) => v.to[0].email).join(',')}` : `single:${request.to[0]?.email ?? request.bcc[0].email}`,
    );
    expect(shapes.sort()).toEqual([
      'single:b@example.com', 'single:d@example.com', 'single:h@example.com', 'single:hidden@example.com', 'single:many0@example.com',
      'versions:a@example.com,c@example.com',
    ]);
    // The fake Brevo, like Brevo, refuses a message without `to`; the others are queued.
    expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'failed']);
    expect(messages.slice(0, 6).every((sent) => sent.anymailStatus?.status.has('queued'))).toBe(true);
  });

  it('sends attachments once for all versions', async () => {
    const connection = backend();
    const messages = [0, 1].map((i) => {
      const each = message({ to: [`r${i}@example.com`], connection });
      each.attach('terms.pdf', 'same bytes', 'application/pdf');
      return each;
    });
    await connection.sendMessages(messages);
    await connection.close();
    const [request] = calls();
    expect(request.attachment).toHaveLength(1);
    expect(request.messageVersions).toHaveLength(2);
  });
});

describe('sendMessages: large messages', () => {
  it('sends a message over 256 KB (attachments) on its own, even beside an identical one', async () => {
    const connection = backend();
    const big = new Uint8Array(300 * 1024).fill(65);
    const messages = [0, 1].map((i) => {
      const each = message({ to: [`r${i}@example.com`], connection });
      each.attach('big.csv', big, 'text/csv');
      return each;
    });
    await expect(connection.sendMessages(messages)).resolves.toBe(2);
    await connection.close();
    expect(calls().map((request) => request.messageVersions === undefined)).toEqual([true, true]);
  });
});

describe('Brevo options', () => {
  it('reads the key from BREVO_API_KEY or ANYMAIL_BREVO_API_KEY, and names them when missing', () => {
    const saved = { ...process.env };
    try {
      delete process.env.BREVO_API_KEY;
      delete process.env.ANYMAIL_BREVO_API_KEY;
      expect(() => new BrevoBackend()).toThrow(AnymailConfigurationError);
      expect(() => new BrevoBackend()).toThrow(/BREVO_API_KEY or ANYMAIL_BREVO_API_KEY/);
      process.env.ANYMAIL_BREVO_API_KEY = 'xkeysib-env';
      expect(() => new BrevoBackend()).not.toThrow();
    } finally {
      process.env = saved;
    }
  });
  it('takes the key from configure({ anymail: { brevo } }), and refuses an unknown option naming the closest', () => {
    try {
      configure({ anymail: { brevo: { apiKey: 'xkeysib-configured' } } });
      expect(() => new BrevoBackend()).not.toThrow();
    } finally {
      configure({});
    }
    expect(() => new BrevoBackend({ apiKey: 'k', apiKye: 'x' } as never)).toThrow(/apiKey/);
    expect(() => new BrevoBackend({ apiKey: 'k', apiUrl: 'not a url' })).toThrow(/apiUrl/);
  });
});
