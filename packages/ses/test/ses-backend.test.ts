import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnymailAPIError, AnymailConfigurationError, AnymailUnsupportedFeature, EmailMessage } from '@anymail/core';
import { startFakeEsp, type FakeEsp, type FakeEspCall } from '@anymail/core/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SesBackend, signRequest, type SesBackendOptions } from '../src/index.js';
import { sesFakeRoutes } from '../src/test/index.js';

const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NO_CHAIN = { env: {}, homeDir: '/nonexistent-anymail-home' };

/** Recompute the request's SigV4 signature from what the server received; equal means it verifies. */
function expectValidSignature(call: FakeEspCall, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region: string) {
  const authorization = call.headers.authorization!;
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedNames) if (name !== 'x-amz-date' && name !== 'x-amz-security-token') headers[name] = call.headers[name]!;
  const amzDate = call.headers['x-amz-date']!;
  const date = new Date(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const expected = signRequest({
    method: call.method,
    url: `http://${call.headers.host}${call.url}`,
    headers,
    body: call.body,
    region,
    service: 'ses',
    credentials,
    date,
    contentSha256Header: false,
  });
  expect(authorization).toBe(expected.authorization);
  expect(authorization).toContain(`Credential=${credentials.accessKeyId}/${amzDate.slice(0, 8)}/${region}/ses/aws4_request`);
  expect(signedNames).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date']));
}

let esp: FakeEsp;
const backends: SesBackend[] = [];
function backend(options: SesBackendOptions = {}): SesBackend {
  const made = new SesBackend({ endpoint: esp.url, region: 'eu-west-1', ...KEY, ...NO_CHAIN, ...options });
  backends.push(made);
  return made;
}
const send = (b: SesBackend, init: ConstructorParameters<typeof EmailMessage>[0] = {}) => {
  const message = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Hi', body: 'Hello', ...init, connection: b });
  return message.send().then(() => message);
};

beforeAll(async () => {
  esp = await startFakeEsp(sesFakeRoutes({ rejected: ['blocked@example.com'] }));
});
afterEach(async () => {
  esp.calls.length = 0;
  const routes = sesFakeRoutes({ rejected: ['blocked@example.com'] });
  for (const [key, route] of Object.entries(routes)) esp.setRoute(key, route);
  await Promise.all(backends.splice(0).map((b) => b.close()));
});
afterAll(() => esp.close());

describe('SesBackend over HTTP', () => {
  it('sends SendEmail with a SigV4 signature that verifies, and queues every recipient', async () => {
    const message = await send(backend(), { cc: ['cc@example.com'], bcc: ['bcc@example.com'] });
    expect(esp.calls).toHaveLength(1);
    const call = esp.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/v2/email/outbound-emails');
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['x-amz-security-token']).toBeUndefined();
    expectValidSignature(call, KEY, 'eu-west-1');
    const body = call.json() as any;
    expect(body.Destination).toEqual({ ToAddresses: ['to@example.com'], CcAddresses: ['cc@example.com'], BccAddresses: ['bcc@example.com'] });
    const status = message.anymailStatus!;
    expect(status.espName).toBe('Amazon SES');
    expect(Object.keys(status.recipients).sort()).toEqual(['bcc@example.com', 'cc@example.com', 'to@example.com']);
    expect([...status.status]).toEqual(['queued']);
    expect(status.messageId).toMatch(/^0100018c-/);
  });

  it('signs a non-ASCII body and sends the session token of temporary credentials (signed)', async () => {
    const temporary = { ...KEY, sessionToken: 'FwoGZXIvYXdzEXAMPLE//token+/=' };
    await send(backend({ sessionToken: temporary.sessionToken }), { subject: 'Grüße 👋', body: 'Ünïcödé body' });
    const call = esp.calls[0]!;
    expect(call.headers['x-amz-security-token']).toBe(temporary.sessionToken);
    expect(call.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);
    expectValidSignature(call, temporary, 'eu-west-1');
  });

  it('signs with cached credentials until their refresh time, then with the refreshed ones', async () => {
    let clock = Date.parse('2026-11-21T10:00:00Z');
    let issued = 0;
    const provider = async () => {
      issued++;
      return { accessKeyId: `ASIATEMP${issued}`, secretAccessKey: `secret-${issued}`, sessionToken: `token-${issued}`, expiration: new Date(clock + 3_600_000) };
    };
    const b = backend({ accessKeyId: undefined, secretAccessKey: undefined, credentials: provider, now: () => clock });
    await send(b);
    await send(b);
    clock += 3_600_000 - 200_000; // inside the 5-minute refresh window
    await send(b);
    expect(issued).toBe(2);
    expect(esp.calls.map((call) => call.headers['x-amz-security-token'])).toEqual(['token-1', 'token-1', 'token-2']);
    expectValidSignature(esp.calls[1]!, { accessKeyId: 'ASIATEMP1', secretAccessKey: 'secret-1', sessionToken: 'token-1' }, 'eu-west-1');
    expectValidSignature(esp.calls[2]!, { accessKeyId: 'ASIATEMP2', secretAccessKey: 'secret-2', sessionToken: 'token-2' }, 'eu-west-1');
  });

  it('takes credentials and region from the AWS environment variables', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_REGION: 'ap-south-1' };
    await send(backend({ accessKeyId: undefined, secretAccessKey: undefined, region: undefined, env }));
    expectValidSignature(esp.calls[0]!, { accessKeyId: 'AKIDFROMENV', secretAccessKey: 'env-secret' }, 'ap-south-1');
  });

  it('takes the region from the shared config file when nothing else gives one', async () => {
    const home = await mkdtemp(join(tmpdir(), 'anymail-ses-'));
    try {
      await mkdir(join(home, '.aws'));
      await writeFile(join(home, '.aws', 'config'), '[profile mail]\nregion = sa-east-1\n');
      const b = backend({ region: undefined, env: { AWS_PROFILE: 'mail' }, homeDir: home });
      expect(b.region).toBeUndefined();
      await send(b);
      expect(b.region).toBe('sa-east-1');
      expectValidSignature(esp.calls[0]!, KEY, 'sa-east-1');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('fails with AnymailConfigurationError, before any request, without a region', async () => {
    const error = await send(backend({ region: undefined })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    expect((error as Error).message).toMatch(/region.*AWS_REGION/);
    expect(esp.calls).toHaveLength(0);
  });

  it('fails with AnymailConfigurationError naming the places tried when no credentials are found', async () => {
    const b = backend({ accessKeyId: undefined, secretAccessKey: undefined, env: { AWS_EC2_METADATA_DISABLED: 'true' } });
    const error = await send(b).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    expect((error as Error).message).toContain('AWS_ACCESS_KEY_ID');
    expect(esp.calls).toHaveLength(0);
  });

  it('declares its feature table, so FailoverBackend knows sendAt and tracking are unsupported', () => {
    const b = backend();
    expect(b.supportsFeature('sendAt')).toBe(false);
    expect(b.supportsFeature('trackOpens')).toBe(false);
    expect(b.supportsFeature('trackClicks')).toBe(false);
    expect(b.supportsFeature('bcc')).toBe(true);
    expect(b.supportsFeature('mergeData')).toBe(true);
  });

  it('refuses an espExtra key SES v2 does not have, naming the closest valid one, before any request (issue #15)', async () => {
    const error = await send(backend(), { espExtra: { ConfigurationSetNme: 'events' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailUnsupportedFeature);
    expect((error as AnymailUnsupportedFeature).feature).toBe('espExtra');
    expect((error as Error).message).toContain('unknown field "ConfigurationSetNme" (did you mean "ConfigurationSetName"?)');
    expect(esp.calls).toHaveLength(0);
  });

  it('rejects half a key pair in the constructor', () => {
    expect(() => new SesBackend({ accessKeyId: 'AKID', region: 'us-east-1', env: {} })).toThrow(/accessKeyId and secretAccessKey together/);
  });

  it('sends templated messages with SendBulkEmail: SUCCESS entries queued, others failed', async () => {
    const b = backend({ configurationSetName: 'tracking' });
    const message = await send(b, {
      subject: '',
      body: '',
      to: ['ann@example.com', 'blocked@example.com'],
      templateId: 'welcome',
      mergeData: { 'ann@example.com': { name: 'Ann' } },
    });
    const call = esp.calls[0]!;
    expect(call.path).toBe('/v2/email/outbound-bulk-emails');
    expectValidSignature(call, KEY, 'eu-west-1');
    expect((call.json() as any).ConfigurationSetName).toBe('tracking');
    const { recipients } = message.anymailStatus!;
    expect(recipients['ann@example.com']).toMatchObject({ status: 'queued', messageId: expect.stringMatching(/^0100018c-/) });
    expect(recipients['blocked@example.com']).toEqual({ status: 'failed', messageId: null });
  });

  it('turns a bulk answer with the wrong number of results into AnymailAPIError', async () => {
    esp.setRoute('POST /v2/email/outbound-bulk-emails', { body: { BulkEmailEntryResults: [] } });
    const error = await send(backend(), { subject: '', body: '', templateId: 'welcome' }).catch((e: unknown) => e);
    expect(AnymailAPIError.isInstance(error)).toBe(true);
    expect((error as AnymailAPIError).message).toContain('0 results for 1 entries');
  });

  const errorCases: Array<[string, number, Record<string, string>, object, string, RegExp]> = [
    ['MessageRejected (header)', 400, { 'x-amzn-errortype': 'MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/' }, { message: 'Email address is not verified.' }, 'invalid-request', /MessageRejected: Email address is not verified/],
    ['BadRequestException (__type)', 400, {}, { __type: 'com.amazonaws.sesv2#BadRequestException', message: 'Invalid template data' }, 'invalid-request', /BadRequestException: Invalid template data/],
    ['TooManyRequestsException', 429, { 'x-amzn-errortype': 'TooManyRequestsException' }, { message: 'Too many requests' }, 'rate-limit', /TooManyRequestsException/],
    ['Throttling (code)', 400, {}, { code: 'Throttling', message: 'Maximum sending rate exceeded.' }, 'rate-limit', /Throttling: Maximum sending rate exceeded/],
    ['LimitExceededException', 400, { 'x-amzn-errortype': 'LimitExceededException' }, { message: 'Daily message quota exceeded.' }, 'rate-limit', /quota/],
    ['AccountSuspendedException', 400, { 'x-amzn-errortype': 'AccountSuspendedException' }, { message: 'Account suspended' }, 'auth', /AccountSuspendedException/],
    ['SendingPausedException', 400, {}, { __type: 'SendingPausedException', message: 'Sending paused' }, 'auth', /SendingPausedException: Sending paused/],
    ['UnrecognizedClientException', 403, { 'x-amzn-errortype': 'UnrecognizedClientException' }, { message: 'The security token included in the request is invalid.' }, 'auth', /security token/],
    ['InternalServiceErrorException', 500, { 'x-amzn-errortype': 'InternalServiceErrorException' }, { message: 'Internal error' }, 'server', /InternalServiceErrorException/],
  ];
  for (const [name, status, headers, body, category, text] of errorCases) {
    it(`maps ${name} to ${category} with the AWS message`, async () => {
      esp.setRoute('POST /v2/email/outbound-emails', { status, headers: { 'content-type': 'application/json', ...headers }, body });
      const error = (await send(backend()).catch((e: unknown) => e)) as AnymailAPIError;
      expect(AnymailAPIError.isInstance(error)).toBe(true);
      expect(error.category).toBe(category);
      expect(error.statusCode).toBe(status);
      expect(error.message).toMatch(text);
      expect(error.code).toMatch(/^SES_[A-Z_]+$/);
    });
  }

  it('logs requests with the signature and session token redacted', async () => {
    const lines: string[] = [];
    await send(backend({ sessionToken: 'SECRET-SESSION-TOKEN', debugLog: (line) => lines.push(line) }));
    const log = lines.join('\n');
    expect(log).toContain('outbound-emails');
    expect(log).not.toContain('SECRET-SESSION-TOKEN');
    expect(log).not.toMatch(/Signature=[0-9a-f]{64}/);
  });

  it('answers requests from the fake routes with 403 when unsigned', async () => {
    const response = await fetch(new URL('v2/email/outbound-emails', esp.url), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});

describe('sesMswHandlers', () => {
  it('answers SendEmail through fetch (msw) and checks the signing key id', async () => {
    const { setupServer } = await import('msw/node');
    const { sesMswHandlers } = await import('../src/test/index.js');
    const server = setupServer(...(await sesMswHandlers({ endpoint: 'https://email.eu-west-1.amazonaws.com', accessKeyId: KEY.accessKeyId })));
    server.listen({ onUnhandledRequest: 'error' });
    try {
      const ok = new SesBackend({ region: 'eu-west-1', ...KEY, ...NO_CHAIN, fetch: globalThis.fetch });
      const message = await send(ok);
      expect(message.anymailStatus!.recipients['to@example.com']!.status).toBe('queued');
      const wrongKey = new SesBackend({ region: 'eu-west-1', accessKeyId: 'AKIDOTHER', secretAccessKey: 'x', ...NO_CHAIN, fetch: globalThis.fetch });
      const error = (await send(wrongKey).catch((e: unknown) => e)) as AnymailAPIError;
      expect(error.category).toBe('auth');
      expect(error.message).toContain('UnrecognizedClientException');
    } finally {
      server.close();
    }
  });
});
