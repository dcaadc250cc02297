// Test mode: once a fake ESP or msw helper is in use, an ESP backend must not open its own
// connection to a public host (msw cannot see it, so the request would reach the real ESP).
import { AnymailConfigurationError, EmailMessage } from '@anymail/core';
import { disableTestNetworkGuard, isNonPublicHost, startFakeEsp, testNetworkGuardState, type FakeEsp } from '@anymail/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonEspBackend } from './support/json-esp-backend.js';

let esp: FakeEsp;
beforeAll(async () => {
  esp = await startFakeEsp({ 'POST /send': { status: 200, body: { id: 'fake-1' } } });
});
afterAll(() => esp.close());

function message(connection: JsonEspBackend): EmailMessage {
  return new EmailMessage({ from: 'app@example.com', to: ['you@example.com'], subject: 'Hi', body: 'Hello', connection });
}

describe('the test-mode network guard', () => {
  it('is turned on by startFakeEsp, and says so', () => {
    expect(testNetworkGuardState()).toEqual({ enabled: true, by: 'startFakeEsp() from @anymail/core/test' });
  });

  it('refuses a public host reached through the backend’s own pool, before any connection', async () => {
    const backend = new JsonEspBackend({ apiUrl: 'https://api.esp-in-production.com/v1/', espName: 'RealEsp' });
    const error = await message(backend).send().catch((caught: unknown) => caught);
    await backend.close();
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    expect((error as Error).message).toMatch(/^Test mode: RealEsp refused to send to https:\/\/api\.esp-in-production\.com, a public host, because startFakeEsp\(\)/);
    expect((error as AnymailConfigurationError).category).toBe('configuration');
  });

  it('is not hidden by failSilently (a configuration error, not a failed send)', async () => {
    const backend = new JsonEspBackend({ apiUrl: 'https://api.esp-in-production.com/', failSilently: true });
    await expect(message(backend).send()).rejects.toBeInstanceOf(AnymailConfigurationError);
    await backend.close();
  });

  it('lets loopback (the fake ESP) through', async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url });
    await expect(message(backend).send()).resolves.toBe(1);
    await backend.close();
  });

  it('lets a user-given fetch through (the path msw intercepts), whatever the host', async () => {
    const seen: string[] = [];
    const backend = new JsonEspBackend({
      apiUrl: 'https://api.esp-in-production.com/',
      fetch: async (input) => {
        seen.push(String(input));
        return Response.json({ id: 'via-fetch' });
      },
    });
    await expect(message(backend).send()).resolves.toBe(1);
    expect(seen).toEqual(['https://api.esp-in-production.com/send']);
  });

  it.each([
    ['127.0.0.1', true], ['127.8.9.10', true], ['[::1]', true], ['localhost', true], ['esp.localhost', true],
    ['10.1.2.3', true], ['172.20.0.5', true], ['192.168.1.1', true], ['192.0.2.7', true], ['[fd00::1]', true],
    ['[::ffff:127.0.0.1]', true], ['fake-esp', true], ['postmark.test', true], ['nowhere.invalid', true], ['api.example', true],
    ['api.postmarkapp.com', false], ['email.us-east-1.amazonaws.com', false], ['8.8.8.8', false], ['172.32.0.1', false],
    ['[2001:4860:4860::8888]', false], ['[::ffff:8.8.8.8]', false], ['localhost.evil.com', false],
  ])('classifies %s as non-public: %s', (host, expected) => {
    expect(isNonPublicHost(host)).toBe(expected);
  });

  it('can be turned off for tests that call a real ESP sandbox on purpose', () => {
    disableTestNetworkGuard();
    expect(testNetworkGuardState()).toEqual({ enabled: false, by: undefined });
  });
});
