/**
 * Three ways to test code that sends mail, from cheapest to closest to production:
 *   1. the memory backend: no network, inspect what was "sent";
 *   2. a fake ESP on loopback: the real backend, real HTTP, the ESP's answers (and its errors);
 *   3. msw: for apps that already mock HTTP with msw — give the backend `fetch`, since msw
 *      sees Fetch API traffic only.
 * The test-mode guard (on as soon as a fake ESP or msw helper is used) makes a backend that was
 * not pointed at the fake fail loudly instead of reaching the real ESP.
 */
import { AnymailConfigurationError, AnymailRecipientsRefused, MemoryBackend, configure } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { PostmarkBackend } from '@anymail/postmark';
import { postmarkFakeRoutes, postmarkMswHandlers } from '@anymail/postmark/test';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUp } from './signup.js';

describe('1. the memory backend', () => {
  beforeEach(() => {
    configure({ emailBackend: 'memory' }); // as Django's locmem backend in tests
    MemoryBackend.outbox.length = 0;
  });
  afterEach(() => configure({}));

  it('records the welcome mail', async () => {
    await signUp('ann@example.com', 'Ann');
    expect(MemoryBackend.outbox).toHaveLength(1);
    const [welcome] = MemoryBackend.outbox;
    expect(welcome!.subject).toBe('Welcome, Ann!');
    expect(welcome!.to).toEqual(['ann@example.com']);
    expect(welcome!.alternatives[0]!.content).toContain('<b>Ann</b>');
  });
});

describe('2. a fake Postmark on loopback', () => {
  let esp: FakeEsp;
  beforeAll(async () => {
    esp = await startFakeEsp(postmarkFakeRoutes({ serverToken: 'test-token', inactive: ['bounced@example.com'] }));
  });
  afterAll(() => esp.close());

  const postmark = () => new PostmarkBackend({ serverToken: 'test-token', apiUrl: esp.url });

  it('sends the payload Postmark expects and reports its message id', async () => {
    const messageId = await signUp('bob@example.com', 'Bob', postmark());
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
    const body = esp.calls.at(-1)!.json() as Record<string, unknown>;
    expect(body).toMatchObject({ To: 'bob@example.com', Subject: 'Welcome, Bob!', Tag: 'welcome', Metadata: { signupSource: 'web' } });
  });

  it('surfaces Postmark refusing a suppressed address', async () => {
    await expect(signUp('bounced@example.com', 'Bea', postmark())).rejects.toBeInstanceOf(AnymailRecipientsRefused);
  });

  it('refuses (test mode) a backend left pointing at the real Postmark', async () => {
    const forgotten = new PostmarkBackend({ serverToken: 'looks-real' });
    await expect(signUp('cat@example.com', 'Cat', forgotten)).rejects.toBeInstanceOf(AnymailConfigurationError);
  });
});

describe('3. msw', () => {
  const server = setupServer();
  beforeAll(async () => {
    server.use(...(await postmarkMswHandlers()));
    server.listen({ onUnhandledRequest: 'error' });
  });
  afterAll(() => server.close());

  it('intercepts the backend’s requests when it sends through fetch', async () => {
    const viaFetch = new PostmarkBackend({ serverToken: 'test-token', fetch: (...args) => fetch(...args) });
    expect(await signUp('dan@example.com', 'Dan', viaFetch)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
