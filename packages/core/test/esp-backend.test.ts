import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { AnymailAPIError, AnymailRecipientsRefused, AnymailStatus, EmailMessage, type EspResponse, type EspRequest } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { JsonEspBackend } from './support/json-esp-backend.js';

function message(backend: JsonEspBackend, to = ['to@example.com']): EmailMessage {
  return new EmailMessage({ from: 'from@example.com', to, subject: 'S', body: 'B', connection: backend });
}

class RefusingBackend extends JsonEspBackend {
  protected override parseResponse(_response: EspResponse, _request: EspRequest, msg: EmailMessage): AnymailStatus {
    return AnymailStatus.forAll(msg.recipientEmails(), 'rejected', null);
  }
}

/** Signs in finalizeRequest: synchronously, or through a promise (as when credentials must be fetched). */
class SigningBackend extends JsonEspBackend {
  constructor(
    readonly mode: 'sync' | 'async' | 'throw',
    options: ConstructorParameters<typeof JsonEspBackend>[0],
  ) {
    super(options);
  }
  protected override finalizeRequest(request: EspRequest): EspRequest | Promise<EspRequest> {
    if (this.mode === 'throw') throw new AnymailAPIError('signing failed', { category: 'auth' });
    const signed = { ...request, headers: { ...request.headers, 'x-signature': `${this.mode}:${String(request.body).length}` } };
    return this.mode === 'sync' ? signed : new Promise((resolve) => setTimeout(() => resolve(signed), 1));
  }
}

describe('BaseEspBackend over a loopback server', () => {
  let esp: FakeEsp;
  beforeEach(async () => {
    esp = await startFakeEsp({ 'POST /send': { body: { id: 'id-1' } } });
  });
  afterEach(async () => {
    await esp.close();
  });

  it('reuses one keep-alive connection for sequential sends', async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url, sendConcurrency: 1 });
    const messages = Array.from({ length: 20 }, (_, i) => message(backend, [`r${i}@example.com`]));
    await expect(backend.sendMessages(messages)).resolves.toBe(20);
    await backend.close();
    expect(esp.calls).toHaveLength(20);
    // undici may open a second socket while the first finishes a response; 20 sends must not mean 20 sockets.
    expect(esp.connectionCount).toBeLessThanOrEqual(2);
  });

  it('sends what finalizeRequest returns, whether it answers at once or through a promise', async () => {
    for (const mode of ['sync', 'async'] as const) {
      const backend = new SigningBackend(mode, { apiUrl: esp.url });
      const sent = message(backend);
      await sent.send();
      await backend.close();
      expect(esp.calls.at(-1)!.headers['x-signature']).toBe(`${mode}:${esp.calls.at(-1)!.body.length}`);
      expect(sent.anymailStatus!.messageId).toBe('id-1');
    }
    const failing = new SigningBackend('throw', { apiUrl: esp.url });
    await expect(message(failing).send()).rejects.toThrow('signing failed');
    await failing.close();
    expect(esp.calls).toHaveLength(2);
  });

  it('combines sendDefaults with the message (lists concatenated, objects merged, scalars: message wins)', async () => {
    const backend = new JsonEspBackend({
      apiUrl: esp.url,
      sendDefaults: { bcc: ['audit@example.com'], tags: ['default'], metadata: { app: 'shop', env: 'prod' }, trackOpens: true, subject: 'Default' },
    });
    const msg = message(backend);
    msg.tags = ['own'];
    msg.metadata = { env: 'test' };
    msg.trackOpens = false;
    await msg.send();
    await backend.close();
    const body = esp.calls[0]!.json() as Record<string, unknown>;
    expect(body.bcc).toEqual(['audit@example.com']);
    expect(body.tags).toEqual(['default', 'own']);
    expect(body.metadata).toEqual({ app: 'shop', env: 'test' });
    expect(body.trackOpens).toBe(false);
    expect(body.subject).toBe('S');
  });

  it('raises AnymailRecipientsRefused when every recipient is rejected, unless ignoreRecipientStatus', async () => {
    const strict = new RefusingBackend({ apiUrl: esp.url });
    await expect(message(strict).send()).rejects.toBeInstanceOf(AnymailRecipientsRefused);
    const lenient = new RefusingBackend({ apiUrl: esp.url, ignoreRecipientStatus: true });
    const msg = message(lenient);
    await expect(msg.send()).resolves.toBe(1);
    expect([...msg.anymailStatus!.status]).toEqual(['rejected']);
    await strict.close();
    await lenient.close();
  });

  it('failSilently counts a failed message as not sent and goes on', async () => {
    esp.setRoute('POST /send', (call) =>
      (call.json() as { to: string[] }).to[0] === 'bad@example.com' ? { status: 500, body: 'x' } : { body: { id: 'ok' } },
    );
    const backend = new JsonEspBackend({ apiUrl: esp.url, failSilently: true });
    const sent = await backend.sendMessages([message(backend, ['bad@example.com']), message(backend, ['good@example.com'])]);
    await backend.close();
    expect(sent).toBe(1);
    expect(esp.calls).toHaveLength(2);
  });

  it('refuses an oversize response body', async () => {
    esp.setRoute('POST /send', { body: { id: 'x', padding: 'x'.repeat(5000) } });
    const backend = new JsonEspBackend({ apiUrl: esp.url, maxResponseBytes: 1000 });
    const error = (await message(backend).send().catch((e: unknown) => e)) as AnymailAPIError;
    await backend.close();
    expect(error.code).toBe('ANYMAIL_RESPONSE_TOO_LARGE');
    expect(error.deliveryUnknown).toBe(true);
  });

  it('assembles a body streamed in many chunks, and stops reading one without a length past the cap', async () => {
    // A chunked answer (no content-length): 40 writes of 5 000 bytes, JSON in the end.
    const streaming = createServer((request, response) => {
      request.resume();
      request.on('end', async () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"id":"streamed","padding":"');
        for (let i = 0; i < 40; i++) {
          response.write(String(i % 10).repeat(5000));
          await new Promise((resolve) => setImmediate(resolve));
        }
        response.end('"}');
      });
    });
    await new Promise<void>((resolve) => streaming.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(streaming.address() as AddressInfo).port}/`;
    try {
      const roomy = new JsonEspBackend({ apiUrl: url });
      const sent = message(roomy);
      await sent.send();
      expect(sent.anymailStatus!.messageId).toBe('streamed');
      const padding = (sent.anymailStatus!.espResponse as { padding: string }).padding;
      expect(padding).toHaveLength(200_000);
      expect(padding.slice(4995, 5005)).toBe('0000011111');
      await roomy.close();

      const tight = new JsonEspBackend({ apiUrl: url, maxResponseBytes: 50_000 });
      const error = (await message(tight).send().catch((e: unknown) => e)) as AnymailAPIError;
      expect(error.code).toBe('ANYMAIL_RESPONSE_TOO_LARGE');
      expect(error.statusCode).toBe(200);
      expect(error.deliveryUnknown).toBe(true);
      await tight.close();
    } finally {
      streaming.closeAllConnections();
      await new Promise<void>((resolve) => streaming.close(() => resolve()));
    }
  });

  it('logs requests with the secrets redacted', async () => {
    const lines: string[] = [];
    const backend = new JsonEspBackend({ apiUrl: esp.url, debugLog: (line) => lines.push(line) });
    await message(backend).send();
    await backend.close();
    expect(lines.join('\n')).toContain('POST');
    expect(lines.join('\n')).toContain('[redacted]');
    expect(lines.join('\n')).not.toContain('secret-key');
  });

  it('keeps the error body truncated and free of the auth header', async () => {
    esp.setRoute('POST /send', { status: 400, body: 'e'.repeat(5000) });
    const backend = new JsonEspBackend({ apiUrl: esp.url });
    const error = (await message(backend).send().catch((e: unknown) => e)) as AnymailAPIError;
    await backend.close();
    expect(error.statusCode).toBe(400);
    expect(error.category).toBe('invalid-request');
    expect(error.responseBody!.length).toBeLessThan(1100);
    expect(JSON.stringify(error) + error.message).not.toContain('secret-key');
  });
});

describe('BaseEspBackend through a fetch function (msw)', () => {
  const server = setupServer(
    http.post('https://esp.test/api/send', async ({ request }) => {
      const body = (await request.json()) as { to: string[] };
      return HttpResponse.json({ id: `fetch-${body.to.length}` });
    }),
  );
  beforeEach(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.close());

  it('sends through the given fetch and parses the response', async () => {
    const backend = new JsonEspBackend({ apiUrl: 'https://esp.test/api/', fetch: globalThis.fetch });
    const msg = message(backend, ['a@example.com', 'b@example.com']);
    await expect(msg.send()).resolves.toBe(1);
    expect(msg.anymailStatus!.messageId).toBe('fetch-2');
  });
});
