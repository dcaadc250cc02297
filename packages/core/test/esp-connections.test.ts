import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, EmailMessage } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { JsonEspBackend } from './support/json-esp-backend.js';

// issue #17: the outbox drained at concurrency 64 through a pool of 32 sockets.
describe('expectConcurrency sizes the connection pool before the first send', () => {
  let esp: FakeEsp;
  beforeEach(async () => {
    // Each answer waits, so every send in flight holds its own socket.
    esp = await startFakeEsp({
      'POST /send': () => new Promise((resolve) => setTimeout(() => resolve({ body: { id: 'id-1' } }), 300)),
    });
  });
  afterEach(async () => {
    await esp.close();
  });

  const burst = (backend: JsonEspBackend, count: number) =>
    backend.sendMessages(
      Array.from({ length: count }, (_, i) =>
        new EmailMessage({ from: 'f@example.com', to: [`r${i}@example.com`], subject: 'S', body: 'B', connection: backend })),
    );

  it('opens as many sockets as sends in flight when told to expect them', async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url, sendConcurrency: 64 });
    backend.expectConcurrency(64);
    await expect(burst(backend, 64)).resolves.toBe(64);
    await backend.close();
    expect(esp.connectionCount).toBeGreaterThan(32);
  });

  it('keeps the default of 32 without the hint, and an explicit `connections` wins over it', async () => {
    const plain = new JsonEspBackend({ apiUrl: esp.url, sendConcurrency: 64 });
    await burst(plain, 64);
    await plain.close();
    expect(esp.connectionCount).toBeLessThanOrEqual(32);

    const before = esp.connectionCount;
    const fixed = new JsonEspBackend({ apiUrl: esp.url, sendConcurrency: 64, connections: 4 });
    fixed.expectConcurrency(64);
    await burst(fixed, 16);
    await fixed.close();
    expect(esp.connectionCount - before).toBeLessThanOrEqual(4);
  });

  it('refuses a hint that is not a positive whole number', () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url });
    expect(() => backend.expectConcurrency(0)).toThrow(AnymailConfigurationError);
    expect(() => backend.expectConcurrency(0)).toThrow(/expectConcurrency/);
    expect(() => backend.expectConcurrency(Number.NaN)).toThrow(/expectConcurrency/);
  });
});
