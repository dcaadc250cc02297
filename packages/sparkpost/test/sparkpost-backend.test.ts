import { AnymailAPIError, AnymailRecipientsRefused, EmailMessage, type EmailMessageInit, type JsonObject } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SparkPostBackend } from '../src/index.js';
import { sparkPostFakeRoutes, sparkPostMswHandlers } from '../src/test/index.js';
import { blueprintExamples, expectValidTransmission } from './support/sparkpost-schema.js';

let esp: FakeEsp;
const backends: SparkPostBackend[] = [];
const ROUTE = 'POST /api/v1/transmissions';
const fakeOptions = { apiKey: 'test-key', suppressed: ['suppressed@example.com'] };

function backend(options: ConstructorParameters<typeof SparkPostBackend>[0] = {}): SparkPostBackend {
  const created = new SparkPostBackend({ apiKey: 'test-key', apiUrl: `${esp.url}api/v1`, timeoutMs: 2000, ...options });
  backends.push(created);
  return created;
}

function message(to: string[], connection: SparkPostBackend, extra: Partial<EmailMessageInit> = {}): EmailMessage {
  return new EmailMessage({ from: 'sender@example.com', to, subject: 'Hello', body: 'Body', connection, ...extra });
}

async function failure(sending: Promise<unknown>): Promise<AnymailAPIError> {
  const error = await sending.catch((caught: unknown) => caught);
  expect(AnymailAPIError.isInstance(error)).toBe(true);
  return error as AnymailAPIError;
}

const blueprintError = (code: string) =>
  blueprintExamples('Response').find((example) => JSON.stringify(example.body).includes(`"code":"${code}"`))!.body as object;

beforeAll(async () => {
  esp = await startFakeEsp(sparkPostFakeRoutes(fakeOptions));
});
afterEach(async () => {
  esp.calls.length = 0;
  esp.setRoute(ROUTE, sparkPostFakeRoutes(fakeOptions)[ROUTE]!);
  await Promise.all(backends.splice(0).map((created) => created.close()));
});
afterAll(async () => {
  await esp.close();
});

describe('SparkPostBackend over HTTP', () => {
  it('posts the transmission to <apiUrl>/transmissions with the bare key, and reads the transmission id exactly', async () => {
    const sending = message(['ann@example.com', 'bob@example.com'], backend());
    await expect(sending.send()).resolves.toBe(1);
    const call = esp.calls[0]!;
    expect(call.path).toBe('/api/v1/transmissions');
    expect(call.headers.authorization).toBe('test-key');
    expectValidTransmission(call.json());
    const status = sending.anymailStatus!;
    expect([...status.status]).toEqual(['queued']);
    expect(status.messageId).toMatch(/^\d{17,}$/);
    expect(Number.isSafeInteger(Number(status.messageId))).toBe(false);
    expect(Object.keys(status.recipients)).toEqual(['ann@example.com', 'bob@example.com']);
  });

  it('keeps a transmission id above 2^53 written as a bare JSON number digit for digit', async () => {
    esp.setRoute(ROUTE, { body: '{"results":{"total_rejected_recipients":0,"total_accepted_recipients":1,"id":9007199254740993}}' });
    const sending = message(['ann@example.com'], backend());
    await sending.send();
    expect(sending.anymailStatus!.messageId).toBe('9007199254740993');
  });

  it('reads the blueprint success answer (id 11668787484950529)', async () => {
    esp.setRoute(ROUTE, { body: blueprintExamples('Response')[0]!.body as object });
    const sending = message(['wilma@flintstone.com'], backend());
    await sending.send();
    expect(sending.anymailStatus!.messageId).toBe('11668787484950529');
  });

  it('reports unknown for every recipient when SparkPost refuses some without saying which', async () => {
    const sending = message(['ann@example.com', 'bob@example.com'], backend());
    // The blueprint's "transmission created, but with validation errors" answer: 1 accepted, 1 rejected.
    esp.setRoute(ROUTE, { body: blueprintExamples('Response').find((example) => 'results' in (example.body as object) && JSON.stringify(example.body).includes('rcpt_to_errors'))!.body as object });
    await sending.send();
    expect(sending.anymailStatus!.recipients['ann@example.com']!.status).toBe('unknown');
    expect(sending.anymailStatus!.recipients['bob@example.com']!.status).toBe('unknown');
  });

  it('sends X-MSYS-SUBACCOUNT when subaccount is set', async () => {
    await message(['ann@example.com'], backend({ subaccount: 42 })).send();
    expect(esp.calls[0]!.headers['x-msys-subaccount']).toBe('42');
  });
});

describe('SparkPostBackend errors', () => {
  it('reads a suppressed single recipient (400, code 1902) as rejected: AnymailRecipientsRefused', async () => {
    const sending = message(['suppressed@example.com'], backend());
    const error = await sending.send().catch((caught: unknown) => caught);
    expect(AnymailRecipientsRefused.isInstance(error)).toBe(true);
    expect(sending.anymailStatus!.recipients['suppressed@example.com']!.status).toBe('rejected');
  });

  it('maps an unverified sending domain (400, 7001, from the blueprint) to auth, in SparkPost words', async () => {
    esp.setRoute(ROUTE, { status: 400, body: blueprintError('7001') });
    const error = await failure(message(['ann@example.com'], backend()).send());
    expect(error.category).toBe('auth');
    expect(error.code).toBe('SPARKPOST_7001');
    expect(error.message).toContain('Invalid domain: Unconfigured or unverified sending domain. (code 7001)');
    expect(error.statusCode).toBe(400);
  });

  it('maps a missing template (422, 1603, from the blueprint) to invalid-request', async () => {
    esp.setRoute(ROUTE, { status: 422, body: blueprintError('1603') });
    const error = await failure(message(['ann@example.com'], backend()).send());
    expect([error.category, error.code]).toEqual(['invalid-request', 'SPARKPOST_1603']);
  });

  it('maps the 420 sending limit to rate-limit (another ESP may send now)', async () => {
    esp.setRoute(ROUTE, { status: 420, body: { errors: [{ message: 'Exceed Sending Limit (hourly)', code: '2101' }] } });
    const error = await failure(message(['ann@example.com'], backend()).send());
    expect([error.category, error.code]).toEqual(['rate-limit', 'SPARKPOST_2101']);
  });

  it('waits about a second after a 429 without Retry-After, and as long as Retry-After says otherwise', async () => {
    esp.setRoute(ROUTE, { status: 429, body: { errors: [{ message: 'Too many requests' }] } });
    expect((await failure(message(['ann@example.com'], backend()).send())).retryAfterMs).toBe(1000);
    esp.setRoute(ROUTE, { status: 429, headers: { 'retry-after': '5' }, body: { errors: [{ message: 'Too many requests' }] } });
    const error = await failure(message(['ann@example.com'], backend()).send());
    expect([error.category, error.retryAfterMs]).toEqual(['rate-limit', 5000]);
  });

  it('answers a wrong key with auth, never showing the key', async () => {
    const error = await failure(message(['ann@example.com'], backend({ apiKey: 'wrong-secret-key' })).send());
    expect(error.category).toBe('auth');
    expect(`${error.message} ${JSON.stringify(error)} ${String(error.responseBody)}`).not.toContain('wrong-secret-key');
  });

  it('answers an HTML 502 page from a proxy with a server error', async () => {
    esp.setRoute(ROUTE, { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body>Bad Gateway</body></html>' });
    expect((await failure(message(['ann@example.com'], backend()).send())).category).toBe('server');
  });

  it('refuses a 200 answer it cannot read (delivery unknown)', async () => {
    esp.setRoute(ROUTE, { body: { results: { id: 'abc' } } });
    const error = await failure(message(['ann@example.com'], backend()).send());
    expect(error.code).toBe('ANYMAIL_BAD_RESPONSE');
    expect(error.deliveryUnknown).toBe(true);
  });
});

describe('SparkPostBackend sendMessages: multi-recipient transmissions', () => {
  it('combines messages with the same content into one transmission, others separately', async () => {
    const sender = backend();
    const same = (to: string, data: JsonObject) => message([to], sender, { mergeData: { [to]: data } });
    const messages = [
      same('ann@example.com', { name: 'Ann' }),
      message(['other@example.com'], sender, { subject: 'Another subject' }),
      same('bob@example.com', { name: 'Bob' }),
      same('cy@example.com', { name: 'Cy' }),
    ];
    await expect(sender.sendMessages(messages)).resolves.toBe(4);
    const bodies = esp.calls.map((call) => call.json() as { content: { subject: string }; recipients: { address: { email: string }; substitution_data?: unknown }[] });
    bodies.forEach(expectValidTransmission);
    const combined = bodies.find((body) => body.content.subject === 'Hello')!;
    expect(esp.calls).toHaveLength(2);
    expect(combined.recipients).toEqual([
      { address: { email: 'ann@example.com' }, substitution_data: { name: 'Ann' } },
      { address: { email: 'bob@example.com' }, substitution_data: { name: 'Bob' } },
      { address: { email: 'cy@example.com' }, substitution_data: { name: 'Cy' } },
    ]);
    const ids = messages.map((sent) => sent.anymailStatus!.messageId);
    expect(ids[0]).toBe(ids[2]);
    expect(ids[0]).toBe(ids[3]);
    expect(ids[1]).not.toBe(ids[0]);
    expect(messages.map((sent) => [...sent.anymailStatus!.status])).toEqual([['queued'], ['queued'], ['queued'], ['queued']]);
    expect(Object.keys(messages[2]!.anymailStatus!.recipients)).toEqual(['bob@example.com']);
  });

  it('does not combine messages sent to a stored list (their status is the transmission\'s alone)', async () => {
    const sender = backend();
    const listed = message(['ann@example.com'], sender, { espExtra: { recipients: { list_id: 'team' } } });
    await sender.sendMessages([listed, message(['bob@example.com'], sender, { espExtra: { recipients: { list_id: 'team' } } })]);
    expect(esp.calls).toHaveLength(2);
    expect([...listed.anymailStatus!.status]).toEqual(['queued']);
    expect(listed.anymailStatus!.recipients).toEqual({});
  });
});

describe('SparkPostBackend through fetch with the msw handlers', () => {
  let server: ReturnType<typeof setupServer>;
  beforeAll(async () => {
    server = setupServer(...(await sparkPostMswHandlers({ apiUrl: 'https://sparkpost.test/api/v1', apiKey: 'test-key', suppressed: ['gone@example.com'] })));
    server.listen({ onUnhandledRequest: 'error' });
  });
  afterAll(() => server.close());

  it('sends and reads statuses through the msw SparkPost', async () => {
    const viaFetch = backend({ apiUrl: 'https://sparkpost.test/api/v1', fetch: (input, init) => fetch(input, init), ignoreRecipientStatus: true });
    const messages = [message(['x@example.com'], viaFetch), message(['gone@example.com'], viaFetch, { subject: 'Other' })];
    await viaFetch.sendMessages(messages);
    expect([...messages[0]!.anymailStatus!.status]).toEqual(['queued']);
    expect([...messages[1]!.anymailStatus!.status]).toEqual(['rejected']);
  });
});
