import { readFileSync } from 'node:fs';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import {
  AnymailAPIError,
  AnymailConfigurationError,
  AnymailRecipientsRefused,
  EmailMessage,
  type EmailMessageInit,
} from '@anymail/core';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailerSendBackend, type MailerSendBackendOptions } from '../src/index.js';
import { mailerSendFakeRoutes, mailerSendMswHandlers } from '../src/test/index.js';

let esp: FakeEsp;
const backends: MailerSendBackend[] = [];
const routes = () => mailerSendFakeRoutes({ apiToken: 'token-1', suppressed: ['gone@example.com'] });

function backend(options: MailerSendBackendOptions = {}): MailerSendBackend {
  const created = new MailerSendBackend({ apiToken: 'token-1', apiUrl: esp.url, timeoutMs: 2000, ...options });
  backends.push(created);
  return created;
}
function message(to: string[], connection: MailerSendBackend, init: EmailMessageInit = {}): EmailMessage {
  return new EmailMessage({ from: 'sender@example.com', to, subject: 'Hello', body: 'Body', connection, ...init });
}
async function failure(promise: Promise<unknown>): Promise<AnymailAPIError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(AnymailAPIError);
  return error as AnymailAPIError;
}
type Recording = { interactions: { request: { body: unknown }; response: { status: number; headers: Record<string, string>; body: unknown } }[] };
const recording = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/api/${name}`, import.meta.url), 'utf8')) as Recording;
const replay = (name: string, index = 0) => {
  const { response } = recording(name).interactions[index]!;
  const headers = Object.fromEntries(Object.entries(response.headers).map(([key, value]) => [key.toLowerCase(), value]));
  return { status: response.status, headers, body: typeof response.body === 'string' ? response.body : (response.body as object) };
};

beforeAll(async () => {
  esp = await startFakeEsp(routes());
});
afterEach(async () => {
  esp.calls.length = 0;
  esp.setRoute('*', routes()['*']!);
  await Promise.all(backends.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await esp.close();
});

describe('MailerSendBackend single sends (POST email)', () => {
  it('sends with the bearer token and reads x-message-id: every recipient queued under it', async () => {
    const msg = message(['a@example.com', 'B <b@example.com>'], backend(), { cc: ['c@example.com'] });
    await expect(msg.send()).resolves.toBe(1);
    expect(esp.calls[0]).toMatchObject({ method: 'POST', path: '/email', headers: { authorization: 'Bearer token-1' } });
    const status = msg.anymailStatus!;
    expect([...status.status]).toEqual(['queued']);
    expect(status.messageId).toMatch(/^[0-9a-f]{24}$/);
    expect(Object.keys(status.recipients).sort()).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
  });

  it('reads the recorded MailerSend answer (202, empty text/html body, x-message-id, x-send-paused)', async () => {
    esp.setRoute('*', replay('email-send-with-template.json'));
    const msg = message(['igor@mailerlite.com'], backend(), { templateId: '351ndgwkr8xgzqx8', mergeData: { 'igor@mailerlite.com': { name: 'Recipient Name' } } });
    await msg.send();
    expect(msg.anymailStatus!.messageId).toBe('6888dfbb94808450972a2cb5');
    expect(msg.anymailStatus!.espResponse).toMatchObject({ statusCode: 202, headers: { 'x-send-paused': 'true' } });
  });

  it('marks recipients named in a SOME_SUPPRESSED warning rejected, the others queued', async () => {
    const msg = message(['ok@example.com', 'gone@example.com'], backend());
    await msg.send();
    const { recipients } = msg.anymailStatus!;
    expect(recipients['ok@example.com']).toEqual({ status: 'queued', messageId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(recipients['gone@example.com']).toEqual({ status: 'rejected', messageId: null });
  });

  it('raises AnymailRecipientsRefused when MailerSend suppressed every recipient (ALL_SUPPRESSED, no x-message-id)', async () => {
    await expect(message(['gone@example.com'], backend()).send()).rejects.toBeInstanceOf(AnymailRecipientsRefused);
    const lenient = message(['gone@example.com'], backend({ ignoreRecipientStatus: true }));
    await lenient.send();
    expect([...lenient.anymailStatus!.status]).toEqual(['rejected']);
  });

  it('treats a 2xx with neither x-message-id nor a suppression warning as unreadable (delivery unknown)', async () => {
    esp.setRoute('*', { status: 202, body: '' });
    const error = await failure(message(['a@example.com'], backend()).send());
    expect([error.code, error.category, error.deliveryUnknown]).toEqual(['ANYMAIL_BAD_RESPONSE', 'server', true]);
  });
});

describe('MailerSend error answers', () => {
  it('maps a 422 with field errors to invalid-request, quoting each problem', async () => {
    // MailerSend refuses names holding a comma: the fake answers as MailerSend does.
    const error = await failure(message(['"Doe, Jane" <jane@example.com>'], backend()).send());
    expect([error.statusCode, error.category]).toEqual([422, 'invalid-request']);
    expect(error.message).toMatch(/to\.0\.name/);
  });

  it('reads the recorded 422 with its #MS code', async () => {
    esp.setRoute('*', replay('inbound-create-invalid-domain.json'));
    const error = await failure(message(['a@example.com'], backend()).send());
    expect([error.code, error.category]).toEqual(['MAILERSEND_MS42209', 'invalid-request']);
    expect(error.message).toContain('The domain id field is required. #MS42209');
  });

  it('maps the recorded 429 (no Retry-After) to rate-limit, and Retry-After to the delay', async () => {
    esp.setRoute('*', replay('inbound-builder-create-invalid-domain.json'));
    const plain = await failure(message(['a@example.com'], backend()).send());
    expect([plain.category, plain.retryAfterMs]).toEqual(['rate-limit', undefined]);
    esp.setRoute('*', { status: 429, headers: { 'retry-after': '30' }, body: { message: 'Too Many Attempts. #MS42903' } });
    const limited = await failure(message(['a@example.com'], backend()).send());
    expect([limited.category, limited.code, limited.retryAfterMs]).toEqual(['rate-limit', 'MAILERSEND_MS42903', 30_000]);
  });

  it('waits for the daily quota reset (x-apiquota-reset), not Retry-After, on #MS42901', async () => {
    const reset = new Date(Date.now() + 5 * 3600_000).toISOString();
    esp.setRoute('*', { status: 429, headers: { 'retry-after': '60', 'x-apiquota-reset': reset }, body: { message: 'Daily request quota exceeded. #MS42901' } });
    const error = await failure(message(['a@example.com'], backend()).send());
    expect(error.category).toBe('rate-limit');
    expect(error.retryAfterMs).toBeGreaterThan(4.9 * 3600_000);
  });

  it('maps a bad token (401), an unverified sender domain (422 on from.email) to auth, maintenance (421) to server', async () => {
    expect((await failure(message(['a@example.com'], backend({ apiToken: 'wrong' })).send())).category).toBe('auth');
    esp.setRoute('*', { status: 422, body: { message: 'The from.email must be verified.', errors: { 'from.email': ['The from.email must be verified.'] } } });
    expect((await failure(message(['a@example.com'], backend()).send())).category).toBe('auth');
    esp.setRoute('*', { status: 421, body: { message: 'Service unavailable, try again later.' } });
    expect((await failure(message(['a@example.com'], backend()).send())).category).toBe('server');
  });

  it('maps the recorded 404 to invalid-request', async () => {
    esp.setRoute('*', replay('messages-get-not-found.json'));
    const error = await failure(message(['a@example.com'], backend()).send());
    expect([error.statusCode, error.category, error.message]).toEqual([404, 'invalid-request', expect.stringContaining('Resource not found.')]);
  });
});

describe('MailerSend sendMessages (POST bulk-email)', () => {
  it('sends several messages in one bulk-email request: each queued under bulk:<bulk_email_id>', async () => {
    const b = backend();
    const messages = ['a@example.com', 'b@example.com', 'c@example.com'].map((to) => message([to], b));
    await expect(b.sendMessages(messages)).resolves.toBe(3);
    expect(esp.calls.map((call) => call.path)).toEqual(['/bulk-email']);
    const body = esp.calls[0]!.json() as { to: { email: string }[] }[];
    expect(body.map((entry) => entry.to[0]!.email)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    const ids = new Set(messages.map((m) => m.anymailStatus!.messageId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^bulk:[0-9a-f]{24}$/);
    for (const m of messages) expect([...m.anymailStatus!.status]).toEqual(['queued']);
  });

  it('reports refusals only later: a bulk message MailerSend will refuse is still queued (documented limit)', async () => {
    const b = backend();
    const messages = [message(['a@example.com'], b), message(['"Doe, Jane" <jane@example.com>'], b)];
    await b.sendMessages(messages);
    expect(messages.map((m) => [...m.anymailStatus!.status])).toEqual([['queued'], ['queued']]);
    // The bulk status endpoint is where MailerSend tells (GET /v1/bulk-email/{id}).
    const id = String(messages[0]!.anymailStatus!.messageId).slice('bulk:'.length);
    const answer = await fetch(`${esp.url}bulk-email/${id}`, { headers: { authorization: 'Bearer token-1' } });
    const { data } = (await answer.json()) as { data: { validation_errors_count: number; validation_errors: Record<string, string[]> } };
    expect(data.validation_errors_count).toBe(1);
    expect(Object.keys(data.validation_errors)).toEqual(['message.1.to.0.name']);
  });

  it('reads the recorded bulk answer', async () => {
    esp.setRoute('*', replay('email-send-bulk-workflow.json'));
    const b = backend();
    const messages = [message(['igor@mailerlite.com'], b), message(['igor@mailerlite.com'], b)];
    await b.sendMessages(messages);
    expect(messages.map((m) => m.anymailStatus!.messageId)).toEqual(['bulk:6888dfbd45fcac796bfecfb6', 'bulk:6888dfbd45fcac796bfecfb6']);
  });

  it('sends each on its own with bulkSendMessages: false (or env MAILERSEND_BULK_SEND_MESSAGES=false)', async () => {
    const b = backend({ bulkSendMessages: false });
    const messages = [message(['a@example.com'], b), message(['gone@example.com'], b, { to: ['gone@example.com', 'x@example.com'] })];
    await b.sendMessages(messages);
    expect(esp.calls.map((call) => call.path)).toEqual(['/email', '/email']);
    expect(messages[1]!.anymailStatus!.recipients['gone@example.com']!.status).toBe('rejected');
  });

  it('sends a message over 100 kB (attachments) on its own', async () => {
    const b = backend();
    const big = message(['big@example.com'], b);
    big.attach('report.pdf', new Uint8Array(90_000), 'application/pdf');
    await b.sendMessages([message(['a@example.com'], b), big, message(['b@example.com'], b)]);
    expect(esp.calls.map((call) => call.path).sort()).toEqual(['/bulk-email', '/email']);
    expect(big.anymailStatus!.messageId).toMatch(/^[0-9a-f]{24}$/);
  });

  it('keeps apart messages with their own apiToken, and per-recipient bulk sends', async () => {
    const b = backend({ batchSendMode: 'use-bulk-email' });
    const messages = [
      message(['a@example.com'], b),
      message(['b@example.com'], b),
      message(['c@example.com'], b, { espExtra: { apiToken: 'token-1' } }),
      message(['d@example.com'], b, { espExtra: { apiToken: 'token-other' } }),
      message(['e@example.com', 'f@example.com'], b, { mergeData: { 'e@example.com': { n: 1 } } }),
    ];
    await b.sendResults(messages);
    const requests = esp.calls.map((call) => {
      const body = call.json();
      return [call.path, call.headers.authorization, Array.isArray(body) ? body.length : 'one message'];
    });
    expect(requests.sort()).toEqual([
      ['/bulk-email', 'Bearer token-1', 2], // e and f, one message each
      ['/bulk-email', 'Bearer token-1', 3], // a, b and c (its apiToken is the backend's)
      ['/email', 'Bearer token-other', 'one message'],
    ]);
    expect(messages[4]!.anymailStatus!.recipients).toEqual({
      'e@example.com': { status: 'queued', messageId: expect.stringMatching(/^bulk:/) },
      'f@example.com': { status: 'queued', messageId: expect.stringMatching(/^bulk:/) },
    });
  });
});

describe('MailerSend settings', () => {
  it('reads the token from MAILERSEND_API_TOKEN or ANYMAIL_MAILERSEND_API_TOKEN, and names them when missing', () => {
    const saved = { ...process.env };
    try {
      delete process.env.MAILERSEND_API_TOKEN;
      delete process.env.ANYMAIL_MAILERSEND_API_TOKEN;
      expect(() => new MailerSendBackend({ apiUrl: esp.url })).toThrow(AnymailConfigurationError);
      expect(() => new MailerSendBackend({ apiUrl: esp.url })).toThrow(/MAILERSEND_API_TOKEN or ANYMAIL_MAILERSEND_API_TOKEN/);
      process.env.ANYMAIL_MAILERSEND_API_TOKEN = 'from-env';
      expect(() => new MailerSendBackend({ apiUrl: esp.url })).not.toThrow();
      process.env.MAILERSEND_BATCH_SEND_MODE = 'expose-everything';
      expect(() => new MailerSendBackend({ apiUrl: esp.url })).toThrow(/MAILERSEND_BATCH_SEND_MODE.*'use-bulk-email' or 'expose-to-list'/);
    } finally {
      process.env = saved;
    }
  });
  it('refuses an unknown option, naming the closest one', () => {
    expect(() => new MailerSendBackend({ apiToken: 't', batchMode: 'use-bulk-email' } as MailerSendBackendOptions)).toThrow(/batchSendMode/);
  });
});

describe('MailerSendBackend through fetch with the msw handlers', () => {
  let server: ReturnType<typeof setupServer>;
  beforeAll(async () => {
    server = setupServer(...(await mailerSendMswHandlers({ apiUrl: 'https://mailersend.test/v1/', suppressed: ['gone@example.com'] })));
    server.listen({ onUnhandledRequest: 'error' });
  });
  afterAll(() => server.close());

  it('sends single and bulk requests and reads their statuses', async () => {
    const viaFetch = backend({ apiUrl: 'https://mailersend.test/v1/', fetch: (input, init) => fetch(input, init) });
    const single = message(['x@example.com', 'gone@example.com'], viaFetch);
    await single.send();
    expect(single.anymailStatus!.recipients['gone@example.com']!.status).toBe('rejected');
    expect(single.anymailStatus!.recipients['x@example.com']!.messageId).toMatch(/^[0-9a-f]{24}$/);
    const batch = [message(['a@example.com'], viaFetch), message(['b@example.com'], viaFetch)];
    await viaFetch.sendMessages(batch);
    expect(String(batch[0]!.anymailStatus!.messageId)).toMatch(/^bulk:/);
  });
});
