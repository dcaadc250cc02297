import { readFileSync } from 'node:fs';
import {
  AnymailAPIError,
  AnymailConfigurationError,
  AnymailRecipientsRefused,
  EmailMessage,
  type AnymailError,
} from '@anymail/core';
import { startFakeEsp, type FakeEsp, type FakeEspRoute } from '@anymail/core/test';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailjetBackend } from '../src/index.js';
import { mailjetFakeRoutes, mailjetMswHandlers } from '../src/test/index.js';

const KEYS = { apiKey: 'public-key', secretKey: 'private-key' };
const fakeOptions = { ...KEYS, unauthorizedSenders: ['unvalidated@example.com'] };
const fixture = (name: string) => readFileSync(new URL(`./fixtures/send/${name}`, import.meta.url), 'utf8');
/** A canned Mailjet answer: the fixture's text as is (its MessageIDs above 2^53 untouched). */
const canned = (status: number, name: string): FakeEspRoute => ({ status, headers: { 'content-type': 'application/json' }, body: fixture(name) });

let esp: FakeEsp;
const backends: MailjetBackend[] = [];
function backend(options: ConstructorParameters<typeof MailjetBackend>[0] = {}): MailjetBackend {
  const created = new MailjetBackend({ ...KEYS, apiUrl: esp.url, timeoutMs: 2000, ...options });
  backends.push(created);
  return created;
}
function message(to: string[], connection: MailjetBackend, extra: Partial<ConstructorParameters<typeof EmailMessage>[0]> = {}): EmailMessage {
  return new EmailMessage({ from: 'sender@example.com', to, subject: 'Hello', body: 'Body', connection, ...extra });
}
const messagesOf = (index: number): any[] => (esp.calls[index]!.json() as { Messages: unknown[] }).Messages;

beforeAll(async () => {
  esp = await startFakeEsp(mailjetFakeRoutes(fakeOptions));
});
afterEach(async () => {
  esp.calls.length = 0;
  esp.setRoute('POST /send', mailjetFakeRoutes(fakeOptions)['POST /send']!);
  await Promise.all(backends.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await esp.close();
});

describe('MailjetBackend settings', () => {
  it('reads MAILJET_API_KEY / MAILJET_SECRET_KEY (or ANYMAIL_-prefixed) and names them when missing', () => {
    const saved = { ...process.env };
    for (const name of ['MAILJET_API_KEY', 'ANYMAIL_MAILJET_API_KEY', 'MAILJET_SECRET_KEY', 'ANYMAIL_MAILJET_SECRET_KEY']) delete process.env[name];
    try {
      const error = (() => {
        try {
          new MailjetBackend();
        } catch (e) {
          return e;
        }
      })();
      expect(AnymailConfigurationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('MAILJET_API_KEY or ANYMAIL_MAILJET_API_KEY');
      process.env.ANYMAIL_MAILJET_API_KEY = 'env-key';
      process.env.MAILJET_SECRET_KEY = 'env-secret';
      expect(() => new MailjetBackend()).not.toThrow();
    } finally {
      process.env = saved;
    }
  });
  it('refuses an apiKey holding "key:secret" without echoing it, and a relative apiUrl', () => {
    expect(() => new MailjetBackend({ apiKey: 'abc:def', secretKey: 's' })).toThrow(/must not contain ':'/);
    expect(() => new MailjetBackend({ apiKey: 'abc:def', secretKey: 's' })).not.toThrow(/abc/);
    expect(() => new MailjetBackend({ ...KEYS, apiUrl: '/v3.1' })).toThrow(AnymailConfigurationError);
  });
});

describe('MailjetBackend over HTTP', () => {
  it('sends one message and keeps each recipient’s MessageID exact (above 2^53, as a string)', async () => {
    const connection = backend();
    const sent = message(['a@example.com'], connection, { cc: ['c@example.com'] });
    await expect(sent.send()).resolves.toBe(1);
    expect(esp.calls).toHaveLength(1);
    expect(esp.calls[0]!.path).toBe('/send');
    const status = sent.anymailStatus!;
    expect([...status.status]).toEqual(['sent']);
    const ids = Object.values(status.recipients).map((recipient) => recipient.messageId!);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) {
      expect(id).toMatch(/^\d{16,}$/);
      expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    }
    expect(status.messageId).toEqual(new Set(ids));
  });

  it('reads the documented bulk answer without rounding: two messages, two ids a JSON.parse would merge', async () => {
    esp.setRoute('POST /send', canned(200, 'send-bulk-response.json'));
    const connection = backend();
    const batch = [message(['passenger1@mailjet.com'], connection), message(['passenger2@mailjet.com'], connection)];
    await expect(connection.sendMessages(batch)).resolves.toBe(2);
    expect(esp.calls).toHaveLength(1);
    expect(batch.map((m) => m.anymailStatus!.messageId)).toEqual(['20547681647433000', '20547681647433001']);
  });

  it('packs sendMessages into Messages arrays of at most 50, each message reading its own entry', async () => {
    const connection = backend();
    const batch = Array.from({ length: 120 }, (_, i) => message([`r${i}@example.com`], connection));
    await expect(connection.sendMessages(batch)).resolves.toBe(120);
    expect(esp.calls.map((_, index) => messagesOf(index).length)).toEqual([50, 50, 20]);
    const ids = batch.map((m) => m.anymailStatus!.messageId as string);
    expect(new Set(ids).size).toBe(120);
    batch.forEach((m, i) => expect(Object.keys(m.anymailStatus!.recipients)).toEqual([`r${i}@example.com`]));
  });

  it('reads a mixed answer (HTTP 400, one message refused) message by message: the others are sent', async () => {
    const connection = backend();
    const batch = [
      message(['a@example.com'], connection),
      message(['b@example.com'], connection, { from: 'unvalidated@example.com' }),
      message(['c@example.com'], connection),
    ];
    const results = await connection.sendResults(batch);
    expect(esp.calls).toHaveLength(1);
    expect(results.map((result) => result.outcome)).toEqual(['sent', 'failed', 'sent']);
    expect([...batch[0]!.anymailStatus!.status]).toEqual(['sent']);
    expect([...batch[2]!.anymailStatus!.status]).toEqual(['sent']);
    // The refused message fails as it would alone: Mailjet's code and category, so failover and retries can act.
    expect(results[1]!.error).toMatchObject({ code: 'MAILJET_SEND_0008', category: 'auth', statusCode: 400, espName: 'Mailjet' });
    expect(batch[1]!.anymailStatus!.recipients['b@example.com']).toEqual({ status: 'failed', messageId: null });
  });

  it('raises the refused message’s error from sendMessages, and counts the others with failSilently', async () => {
    const strict = backend();
    const error = await strict.sendMessages([message(['a@example.com'], strict), message(['b@example.com'], strict, { from: 'unvalidated@example.com' })])
      .catch((e: unknown) => e);
    expect(AnymailAPIError.isInstance(error)).toBe(true);
    const lenient = backend({ failSilently: true });
    const batch = [message(['a@example.com'], lenient), message(['b@example.com'], lenient, { from: 'unvalidated@example.com' })];
    await expect(lenient.sendMessages(batch)).resolves.toBe(1);
  });

  it('reads the documented partial-error answer: first message refused (send-0003), second sent', async () => {
    esp.setRoute('POST /send', canned(400, 'send-bulk-partial-error-response.json'));
    const connection = backend();
    const batch = [message(['passenger1@mailjet.com'], connection), message(['passenger2@mailjet.com'], connection)];
    const results = await connection.sendResults(batch);
    expect(results[0]!.error).toMatchObject({ code: 'MAILJET_SEND_0003', category: 'invalid-request' });
    expect(batch[1]!.anymailStatus!.recipients['passenger2@mailjet.com']).toEqual({ status: 'sent', messageId: '70650219165027410' });
  });

  it('raises AnymailAPIError for a single refused message: Mailjet’s code, fields and category', async () => {
    const connection = backend();
    const error = (await message(['a@example.com'], connection, { from: 'unvalidated@example.com' }).send().catch((e: unknown) => e)) as AnymailError;
    expect(AnymailAPIError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MAILJET_SEND_0008', category: 'auth', statusCode: 403, espName: 'Mailjet', deliveryUnknown: false });
    expect(error.message).toContain('send-0008 (From)');
  });

  it('raises with every error of a refused message (the documented validation answer)', async () => {
    esp.setRoute('POST /send', canned(400, 'error-message-validation.json'));
    const error = (await message(['a@example.com'], backend()).send().catch((e: unknown) => e)) as AnymailError;
    expect(error).toMatchObject({ code: 'MAILJET_MJ_0004', category: 'invalid-request', statusCode: 400 });
    expect(error.message).toContain('mj-0004 (HTMLPart, TemplateID)');
    expect(error.message).toContain('mj-0005 (To): The To is mandatory');
  });

  it('maps request-level errors: bad credentials (auth) and malformed JSON (invalid-request), secrets hidden', async () => {
    const wrong = backend({ secretKey: 'wrong-secret' });
    const auth = (await message(['a@example.com'], wrong).send().catch((e: unknown) => e)) as AnymailError;
    expect(auth).toMatchObject({ code: 'MAILJET_MJ_0015', category: 'auth', statusCode: 401 });
    expect(`${auth.message} ${auth.responseBody}`).not.toContain('wrong-secret');
    esp.setRoute('POST /send', canned(400, 'error-global-malformed-json.json'));
    const malformed = (await message(['a@example.com'], backend()).send().catch((e: unknown) => e)) as AnymailError;
    expect(malformed).toMatchObject({ code: 'MAILJET_MJ_0002', category: 'invalid-request', statusCode: 400 });
    expect(malformed.message).toContain('Malformed JSON');
  });

  it('fails every message of a batch on a request-level error', async () => {
    esp.setRoute('POST /send', canned(400, 'error-global-malformed-json.json'));
    const connection = backend({ failSilently: true });
    const batch = [message(['a@example.com'], connection), message(['b@example.com'], connection)];
    await expect(connection.sendMessages(batch)).resolves.toBe(0);
  });

  it('raises AnymailRecipientsRefused when Mailjet refuses every address as invalid (mj-0013)', async () => {
    esp.setRoute('POST /send', {
      status: 400,
      body: { Messages: [{ Status: 'error', Errors: [{ ErrorIdentifier: 'x', ErrorCode: 'mj-0013', StatusCode: 400,
        ErrorMessage: '"a@example" is an invalid email address.', ErrorRelatedTo: ['To[0].Email'] }] }] },
    });
    const sent = message(['a@example'], backend());
    const error = await sent.send().catch((e: unknown) => e);
    expect(AnymailRecipientsRefused.isInstance(error)).toBe(true);
    expect(sent.anymailStatus?.recipients['a@example']?.status).toBe('invalid');
  });

  it('reports a merge send whose entries partly failed: sent recipients sent, the refused one failed', async () => {
    esp.setRoute('POST /send', canned(400, 'send-bulk-partial-error-response.json'));
    const sent = message(['passenger1@mailjet.com', 'passenger2@mailjet.com'], backend(), { mergeData: {} });
    await expect(sent.send()).resolves.toBe(1);
    expect(messagesOf(0)).toHaveLength(2);
    expect(sent.anymailStatus!.recipients).toEqual({
      'passenger1@mailjet.com': { status: 'failed', messageId: null },
      'passenger2@mailjet.com': { status: 'sent', messageId: '70650219165027410' },
    });
  });

  it('gives sandbox answers (MessageID 0) the status queued without an id', async () => {
    const sent = message(['a@example.com'], backend(), { espExtra: { SandboxMode: true } });
    await sent.send();
    expect(esp.calls[0]!.json()).toMatchObject({ SandboxMode: true });
    expect(sent.anymailStatus!.recipients['a@example.com']).toEqual({ status: 'queued', messageId: null });
  });

  it('combines sandbox messages only with each other, and sends merge and large messages on their own', async () => {
    const connection = backend();
    const sandbox = { espExtra: { SandboxMode: true } };
    const batch = [
      message(['a@example.com'], connection),
      message(['b@example.com'], connection, sandbox),
      message(['c@example.com', 'd@example.com'], connection, { mergeData: {} }),
      message(['e@example.com'], connection, { body: 'x'.repeat(300_000) }),
      message(['f@example.com'], connection),
      message(['g@example.com'], connection, sandbox),
    ];
    await expect(connection.sendMessages(batch)).resolves.toBe(6);
    const requests = esp.calls.map((call, index) => ({ to: messagesOf(index).map((entry) => entry.To[0].Email), sandbox: (call.json() as { SandboxMode?: boolean }).SandboxMode }));
    expect(requests.sort((x, y) => x.to[0]!.localeCompare(y.to[0]!))).toEqual([
      { to: ['a@example.com', 'f@example.com'], sandbox: undefined },
      { to: ['b@example.com', 'g@example.com'], sandbox: true },
      { to: ['c@example.com', 'd@example.com'], sandbox: undefined },
      { to: ['e@example.com'], sandbox: undefined },
    ]);
    expect(batch[1]!.anymailStatus!.recipients['b@example.com']).toEqual({ status: 'queued', messageId: null });
  });
});

describe('MailjetBackend through fetch and msw', () => {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());

  it('sends through the msw handlers with exact ids', async () => {
    server.use(...(await mailjetMswHandlers({ ...KEYS })));
    const connection = new MailjetBackend({ ...KEYS, fetch: globalThis.fetch });
    const sent = message(['a@example.com'], connection as MailjetBackend);
    await sent.send();
    await connection.close();
    expect(sent.anymailStatus!.messageId).toMatch(/^\d{16,}$/);
  });
});
