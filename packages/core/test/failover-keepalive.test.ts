import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmailMessage, FailoverBackend } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { JsonEspBackend } from './support/json-esp-backend.js';

// The bench showed FailoverBackend at 0.13× raw undici: each send opened the members' pools and
// closed them after, so every message paid a new TCP connection.
describe('FailoverBackend keeps its members’ connections alive between sends', () => {
  let esp: FakeEsp;
  beforeEach(async () => {
    esp = await startFakeEsp({ 'POST /send': { body: { id: 'id-1' } } });
  });
  afterEach(async () => {
    await esp.close();
  });

  it('20 sequential message.send() calls reuse keep-alive connections', async () => {
    const primary = new JsonEspBackend({ apiUrl: esp.url });
    const failover = new FailoverBackend({ backends: [primary, new JsonEspBackend({ apiUrl: esp.url })] });
    for (let i = 0; i < 20; i++) {
      await new EmailMessage({ from: 'f@example.com', to: [`r${i}@example.com`], subject: 'S', body: 'B', connection: failover }).send();
    }
    await failover.close();
    expect(esp.calls).toHaveLength(20);
    // undici may open a second socket while the first finishes a response (as in esp-backend.test.ts).
    expect(esp.connectionCount).toBeLessThanOrEqual(2);
  });
});
