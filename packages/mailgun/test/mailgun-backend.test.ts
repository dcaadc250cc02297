import { readFileSync } from 'node:fs';
import { AnymailAPIError, AnymailConfigurationError, EmailMessage, type AnymailError } from '@anymail/core';
import { startFakeEsp, type FakeEsp, type FakeEspReply } from '@anymail/core/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailgunBackend, type MailgunBackendOptions } from '../src/index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/responses/${name}`, import.meta.url), 'utf8');
const json = { 'content-type': 'application/json' };

let esp: FakeEsp;
const backends: MailgunBackend[] = [];
function makeBackend(options: MailgunBackendOptions = {}): MailgunBackend {
  const backend = new MailgunBackend({ apiKey: 'key-secret-123', apiUrl: `${esp.url}v3`, timeoutMs: 2000, ...options });
  backends.push(backend);
  return backend;
}
function makeMessage(backend: MailgunBackend, init: Partial<ConstructorParameters<typeof EmailMessage>[0]> = {}): EmailMessage {
  return new EmailMessage({ from: 'from@mg.example.com', to: ['to@example.com'], subject: 'Hi', body: 'Hello', connection: backend, ...init });
}
async function sendError(reply: FakeEspReply, options: MailgunBackendOptions = {}): Promise<AnymailError> {
  esp.setRoute('*', reply);
  const error = await makeMessage(makeBackend(options)).send().catch((e: unknown) => e);
  expect(AnymailAPIError.isInstance(error)).toBe(true);
  expect((error as Error).message).not.toContain('key-secret-123');
  return error as AnymailError;
}

beforeAll(async () => {
  esp = await startFakeEsp({ '*': { status: 200, headers: json, body: fixture('mailgun-messages-200.json') } });
});
afterEach(async () => {
  esp.calls.length = 0;
  esp.setRoute('*', { status: 200, headers: json, body: fixture('mailgun-messages-200.json') });
  await Promise.all(backends.splice(0).map((backend) => backend.close()));
});
afterAll(() => esp.close());

describe('MailgunBackend over HTTP: success', () => {
  it('posts to /v3/{domain}/messages with Basic auth and queues every recipient under the id', async () => {
    const message = makeMessage(makeBackend(), { to: ['a@example.com', 'B <b@example.com>'], cc: ['c@example.com'] });
    await expect(message.send()).resolves.toBe(1);
    const call = esp.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/v3/mg.example.com/messages');
    expect(call.headers.authorization).toBe(`Basic ${Buffer.from('api:key-secret-123').toString('base64')}`);
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call.form().getAll('to')).toEqual(['a@example.com', 'B <b@example.com>']);
    const status = message.anymailStatus!;
    expect(status.espName).toBe('Mailgun');
    // As Anymail: Mailgun's id as it comes, angle brackets kept, so it matches tracking events.
    expect(status.messageId).toBe('<20111114174239.25659.5817@samples.mailgun.org>');
    expect(Object.keys(status.recipients)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(Object.values(status.recipients).map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);
    expect(status.espResponse).toEqual(JSON.parse(fixture('mailgun-messages-200.json')));
  });

  it('sends attachments as multipart/form-data over the wire', async () => {
    const message = makeMessage(makeBackend());
    message.attach('a.txt', 'attached text', 'text/plain');
    await message.send();
    const call = esp.calls[0]!;
    expect(call.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(call.body, { headers: { 'content-type': call.headers['content-type']! } }).formData();
    expect(form.get('from')).toBe('from@mg.example.com');
    const file = form.get('attachment') as File;
    expect([file.name, await file.text()]).toEqual(['a.txt', 'attached text']);
  });

  it('reuses one keep-alive connection for several sends', async () => {
    const backend = makeBackend();
    const before = esp.connectionCount;
    for (let i = 0; i < 6; i++) await makeMessage(backend).send();
    expect(esp.calls).toHaveLength(6);
    // undici's pool may open a second socket while the first finishes its response; never one per send.
    expect(esp.connectionCount - before).toBeLessThanOrEqual(2);
  });

  it('reads the API key from MAILGUN_API_KEY / ANYMAIL_MAILGUN_API_KEY', async () => {
    const saved = { a: process.env.MAILGUN_API_KEY, b: process.env.ANYMAIL_MAILGUN_API_KEY };
    try {
      process.env.MAILGUN_API_KEY = '';
      process.env.ANYMAIL_MAILGUN_API_KEY = 'env-key';
      await makeMessage(makeBackend({ apiKey: undefined })).send();
      expect(esp.calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from('api:env-key').toString('base64')}`);
      delete process.env.ANYMAIL_MAILGUN_API_KEY;
      expect(() => new MailgunBackend({ apiUrl: esp.url })).toThrow(/MAILGUN_API_KEY or ANYMAIL_MAILGUN_API_KEY/);
    } finally {
      for (const [name, value] of [['MAILGUN_API_KEY', saved.a], ['ANYMAIL_MAILGUN_API_KEY', saved.b]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("selects the EU host with region: 'eu' (apiUrl wins when given)", async () => {
    const urls: string[] = [];
    const fetch = async (input: string | URL | Request) => {
      urls.push(String(input));
      return new Response(fixture('mailgun-messages-200.json'), { headers: json });
    };
    await makeMessage(new MailgunBackend({ apiKey: 'k', region: 'eu', fetch })).send();
    await makeMessage(new MailgunBackend({ apiKey: 'k', fetch })).send();
    expect(urls).toEqual(['https://api.eu.mailgun.net/v3/mg.example.com/messages', 'https://api.mailgun.net/v3/mg.example.com/messages']);
  });

  it('rejects a bad region or a senderDomain option with a slash when constructed', () => {
    expect(() => new MailgunBackend({ apiKey: 'k', region: 'asia' as 'eu' })).toThrow(AnymailConfigurationError);
    expect(() => new MailgunBackend({ apiKey: 'k', senderDomain: 'https://mg.example.com/' })).toThrow(/not a domain name/);
  });

  it('answers supportsFeature() from its feature table (FailoverBackend reads it)', () => {
    const backend = new MailgunBackend({ apiKey: 'k' });
    expect(backend.supportsFeature('ampBody')).toBe(true);
    expect(backend.supportsFeature('mergeHeaders')).toBe(true);
    expect(backend.supportsFeature('alternatives')).toBe(false);
  });

  it('logs requests without the API key', async () => {
    const lines: string[] = [];
    await makeMessage(makeBackend({ debugLog: (line) => lines.push(line) })).send();
    expect(lines[0]).toContain('/v3/mg.example.com/messages');
    expect(lines.join('\n')).not.toContain(Buffer.from('api:key-secret-123').toString('base64'));
  });
});

describe('MailgunBackend over HTTP: failures', () => {
  it('explains 404 Domain not found with the domain and the region hint', async () => {
    const error = await sendError({ status: 404, headers: json, body: fixture('mailgun-messages-404-domain-not-found.json') });
    expect(error.category).toBe('configuration');
    expect(error.code).toBe('MAILGUN_DOMAIN_NOT_FOUND');
    expect(error.statusCode).toBe(404);
    expect(error.deliveryUnknown).toBe(false);
    expect(error.message).toContain('Domain not found: mg.example.com');
    expect(error.message).toContain('"mg.example.com"');
    expect(error.message).toContain("region: 'eu'");
  });

  it('points an EU backend at the US region for a bare "Domain not found"', async () => {
    const urls: string[] = [];
    const fetch = async (input: string | URL | Request) => {
      urls.push(String(input));
      return new Response('{"message":"Domain not found"}', { status: 404, headers: json });
    };
    const error = (await makeMessage(makeBackend({ apiUrl: undefined, region: 'eu', fetch })).send().catch((e: unknown) => e)) as AnymailError;
    expect(error.code).toBe('MAILGUN_DOMAIN_NOT_FOUND');
    expect(error.message).toContain("region: 'us'");
  });

  for (const status of [404, 200]) {
    it(`explains the "Mailgun Magnificent API" banner (HTTP ${status}) as a wrong apiUrl`, async () => {
      const error = await sendError({ status, headers: { 'content-type': 'text/plain' }, body: fixture('mailgun-wrong-url-magnificent.txt') });
      expect(error.category).toBe('configuration');
      expect(error.code).toBe('MAILGUN_WRONG_API_URL');
      expect(error.deliveryUnknown).toBe(false);
      expect(error.message).toContain('/v3');
      expect(error.message).toContain(`${esp.url}v3`);
    });
  }

  it('reads a 401 JSON-string body ("Forbidden") as an auth error', async () => {
    const error = await sendError({ status: 401, headers: json, body: fixture('mailgun-messages-401-forbidden.json') });
    expect(error.category).toBe('auth');
    expect(error.message).toMatch(/^Mailgun API response 401: Forbidden\. Check the Mailgun apiKey/);
    expect(error.responseBody).toContain('"Forbidden"');
  });

  it('reads an HTML error page without crashing', async () => {
    const error = await sendError({ status: 502, headers: { 'content-type': 'text/html' }, body: fixture('mailgun-messages-502-html.html') });
    expect(error.category).toBe('server');
    expect(error.message).toBe('Mailgun API response 502: 502 Bad Gateway');
  });

  it('parses "try again after 120 seconds" on 429 into retryAfterMs', async () => {
    const error = await sendError({ status: 429, headers: json, body: fixture('mailgun-messages-429-rate-limit.json') });
    expect(error.category).toBe('rate-limit');
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.message).toContain('account-requests-per-sec limit exceeded');
  });

  it('parses a date after "try again after", and prefers a Retry-After header', async () => {
    const at = new Date(Date.now() + 60_000);
    const goTime = `${at.toISOString().slice(0, 10)} ${at.toISOString().slice(11, 19)} +0000 UTC`;
    const dated = await sendError({ status: 429, headers: json, body: { message: `Domain d is not allowed to send: recipient limit exceeded, try again after ${goTime}` } });
    expect(dated.retryAfterMs).toBeGreaterThan(50_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(60_000);
    const header = await sendError({ status: 429, headers: { ...json, 'retry-after': '3' }, body: fixture('mailgun-messages-429-rate-limit.json') });
    expect(header.retryAfterMs).toBe(3000);
    const none = await sendError({ status: 429, headers: json, body: { message: 'slow down' } });
    expect(none.retryAfterMs).toBeUndefined();
  });

  it('reports 400 messages as invalid-request', async () => {
    const error = await sendError({ status: 400, headers: json, body: fixture('mailgun-messages-400-missing-body.json') });
    expect(error.category).toBe('invalid-request');
    expect(error.message).toContain("Need at least one of 'text', 'html', 'amp-html' or 'template'");
  });

  it('reports 500 JSON and empty 503 bodies as server errors', async () => {
    const json500 = await sendError({ status: 500, headers: json, body: fixture('mailgun-messages-500.json') });
    expect([json500.category, json500.message]).toEqual(['server', 'Mailgun API response 500: Internal Server Error']);
    const empty = await sendError({ status: 503, body: '' });
    expect([empty.category, empty.message]).toEqual(['server', 'Mailgun API response 503: (empty body)']);
  });

  it('turns a 200 that is not JSON, or has no id, into AnymailAPIError with deliveryUnknown', async () => {
    for (const body of ['{"id": ', '{"message": "Queued. Thank you."}', '"Queued"']) {
      const error = await sendError({ status: 200, headers: json, body });
      expect(error.code).toBe('ANYMAIL_BAD_RESPONSE');
      expect(error.category).toBe('server');
      expect(error.deliveryUnknown).toBe(true);
    }
  });
});
