import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnymailAPIError, EmailMessage, FailoverBackend, failoverAttempts } from '@anymail/core';
import { getClosedPort, startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { credentialValues, displayUrl, redactError, redactText } from '../src/esp/redact.js';
import { JsonEspBackend } from './support/json-esp-backend.js';

describe('redactText (the one rule for error text)', () => {
  it('hides a known secret as is, URL-encoded and JSON-escaped', () => {
    const secret = 'k3y/with+odd"chars';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${JSON.stringify({ key: secret })}`;
    const out = redactText(text, [secret]);
    expect(out).not.toContain('k3y');
    expect(out.match(/\[redacted\]/g)).toHaveLength(3);
  });

  it('hides Basic and Bearer tokens, URL userinfo and secret-looking query values it was not told about', () => {
    const out = redactText(
      'Authorization: Bearer abc.DEF-123_xyz; Basic YXBpOmtleS0xMjM= ; see https://api:pw123@esp.test/v3/send?api_key=zz9&to=a',
      [],
    );
    expect(out).toBe('Authorization: Bearer [redacted]; Basic [redacted] ; see https://esp.test/v3/send?api_key=[redacted]&to=a');
  });

  it('hides a SigV4 signature it was not told about', () => {
    expect(redactText('Credential=AKID/x, Signature=0123456789abcdef0123456789abcdef', [])).toBe('Credential=AKID/x, Signature=[redacted]');
  });

  it('leaves ordinary prose alone', () => {
    const prose = 'Basic information about the Bearer of this message; the token expired; key=value pairs';
    expect(redactText(prose, ['ab'])).toBe(prose);
  });

  it('redactError rewrites message, responseBody and stack, and leaves other errors alone', () => {
    const error = new AnymailAPIError('ESP said: bad key s3cr3t-value', { responseBody: '{"key":"s3cr3t-value"}', statusCode: 401 });
    redactError(error, ['s3cr3t-value']);
    expect(`${error.message} ${error.responseBody} ${error.stack} ${JSON.stringify(error)} ${String(error)}`).not.toContain('s3cr3t');
    expect(error.responseBody).toBe('{"key":"[redacted]"}');
    const other = new TypeError('s3cr3t-value');
    expect(redactError(other, ['s3cr3t-value']).message).toBe('s3cr3t-value');
  });
});

describe('credentialValues and displayUrl', () => {
  it('finds the credentials a request carries', () => {
    const basic = `Basic ${Buffer.from('api:mg-key-123').toString('base64')}`;
    const found = credentialValues(
      {
        authorization: basic,
        'x-postmark-server-token': 'pm-token',
        'x-api-key': 'custom-key',
        'content-type': 'application/json',
      },
      ['x-postmark-server-token'],
      'https://user:url-pass@esp.test/',
    );
    expect(found).toEqual(expect.arrayContaining([basic, 'mg-key-123', 'pm-token', 'custom-key', 'url-pass']));
    expect(found).not.toContain('application/json');
    const sigv4 = credentialValues({ authorization: 'AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature=abc123def' }, []);
    expect(sigv4).toContain('abc123def');
  });

  it('shows a URL without userinfo or secret query values', () => {
    expect(displayUrl('https://user:pw@esp.test/send?token=t1&x=1&X-Amz-Signature=s')).toBe(
      'https://esp.test/send?token=%5Bredacted%5D&x=1&X-Amz-Signature=%5Bredacted%5D',
    );
  });
});

describe('secrets in ESP errors (real loopback servers)', () => {
  let esp: FakeEsp;
  beforeAll(async () => {
    // An ESP that echoes the Authorization header it was sent.
    esp = await startFakeEsp({
      '*': (call) => ({ status: 401, body: { message: `invalid credentials: ${call.headers.authorization}`, url: call.url } }),
    });
  });
  afterAll(async () => {
    await esp.close();
  });
  const message = (connection: JsonEspBackend | FailoverBackend) =>
    new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'S', body: 'B', connection });

  it('keeps apiUrl userinfo and secret query values out of network errors and debug logs', async () => {
    const port = await getClosedPort();
    const lines: string[] = [];
    const backend = new JsonEspBackend({ apiUrl: `http://user:hunter2-url@127.0.0.1:${port}/?api_key=q-secret-1`, debugLog: (l) => lines.push(l) });
    const error = (await message(backend).send().catch((e: unknown) => e)) as AnymailAPIError;
    await backend.close();
    expect(error.category).toBe('network');
    const text = `${error.message} ${String(error)} ${JSON.stringify(error)} ${lines.join(' ')}`;
    expect(text).not.toContain('hunter2-url');
    expect(text).not.toContain('q-secret-1');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('hides what a backend adds through credentialValues() (a secret it sends outside the headers)', async () => {
    class BodySecretBackend extends JsonEspBackend {
      protected override credentialValues(): readonly string[] {
        return ['in-body-secret-42'];
      }
    }
    const echoBody = await startFakeEsp({ '*': (call) => ({ status: 400, body: { message: `bad request: ${call.text()}` } }) });
    const backend = new BodySecretBackend({ apiUrl: echoBody.url });
    const sent = message(backend);
    sent.subject = 'in-body-secret-42';
    const error = (await sent.send().catch((e: unknown) => e)) as AnymailAPIError;
    await backend.close();
    await echoBody.close();
    expect(error.statusCode).toBe(400);
    expect(`${error.message} ${error.responseBody} ${JSON.stringify(error)}`).not.toContain('in-body-secret-42');
    expect(error.responseBody).toContain('[redacted]');
  });

  it('hides the credential of the request that failed, even while other requests carry other ones', async () => {
    // Per-message credentials (like Postmark's espExtra serverToken): the failing request's own key
    // must be hidden, not the key of whichever request went out last.
    class PerMessageKeyBackend extends JsonEspBackend {
      protected override buildRequest(message: EmailMessage, context: Parameters<JsonEspBackend['buildRequest']>[1]) {
        const request = super.buildRequest(message, context);
        return { ...request, headers: { ...request.headers, 'x-api-key': String(message.espExtra?.key) } };
      }
    }
    const echoKey = await startFakeEsp({
      '*': async (call) => {
        if (call.headers['x-api-key'] !== 'slow-key-0001') return { body: { id: 'fast' } };
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { status: 401, body: { message: `unknown key ${call.headers['x-api-key']}` } };
      },
    });
    const backend = new PerMessageKeyBackend({ apiUrl: echoKey.url });
    const slow = message(backend);
    slow.espExtra = { key: 'slow-key-0001' };
    const fast = message(backend);
    fast.espExtra = { key: 'fast-key-0002' };
    const [slowResult] = await Promise.all([slow.send().catch((e: unknown) => e), new Promise((r) => setTimeout(r, 20)).then(() => fast.send())]);
    await backend.close();
    await echoKey.close();
    const error = slowResult as AnymailAPIError;
    expect(error.statusCode).toBe(401);
    expect(`${error.message} ${error.responseBody} ${JSON.stringify(error)}`).not.toContain('slow-key-0001');
  });

  it('keeps an echoed credential out of FailoverBackend errors and attempts', async () => {
    const failover = new FailoverBackend({
      backends: [new JsonEspBackend({ apiUrl: esp.url, espName: 'A' }), new JsonEspBackend({ apiUrl: esp.url, espName: 'B' })],
    });
    const error = (await message(failover).send().catch((e: unknown) => e)) as AnymailAPIError;
    await failover.close();
    expect(error.category).toBe('auth');
    expect(failoverAttempts(error)).toHaveLength(2);
    const text = `${error.message} ${error.responseBody} ${String(error)} ${JSON.stringify(error)}`;
    expect(text).not.toContain('secret-key');
    expect(text).toContain('invalid credentials: [redacted]');
  });
});
