import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AnymailConfigurationError,
  AnymailWebhookValidationFailure,
  MemoryReplayCache,
  createInboundEvent,
  createInboundWebhook,
  inbound,
  parseInboundMime,
  type AnymailInboundEvent,
  type InboundWebhookConfig,
} from '@anymail/core';

const MIME = 'From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nbody\r\n';

function hook(extra: Partial<InboundWebhookConfig<Uint8Array>> = {}) {
  return createInboundWebhook<Uint8Array>({
    espName: 'TestESP',
    esp: 'testesp',
    env: {},
    contentTypes: ['message/rfc822', 'text/plain'],
    readEnvelope: (request) => request.rawBody,
    async parseEvents(raw) {
      const message = await parseInboundMime(raw, {}, 'TestESP');
      return [createInboundEvent({ espName: 'TestESP', espEvent: null, timestamp: undefined, eventId: 'e1', message })];
    },
    ...extra,
  });
}

describe('createInboundWebhook', () => {
  it('answers HEAD 200 and other methods 405, firing nothing', async () => {
    const fired: unknown[] = [];
    const webhook = hook({ onEvent: (event) => fired.push(event) });
    expect((await webhook.handle({ method: 'HEAD', body: '', headers: {} })).status).toBe(200);
    expect(await webhook.handle({ method: 'GET', body: '', headers: {} })).toMatchObject({ status: 405, headers: { Allow: 'POST, HEAD, OPTIONS' } });
    expect(fired).toEqual([]);
  });

  it('fires the inbound signal, then onEvent, with the event', async () => {
    const order: string[] = [];
    const receiver = ({ event }: { event: AnymailInboundEvent }) => {
      order.push(`signal:${event.message.subject}`);
    };
    inbound.connect(receiver);
    try {
      const webhook = hook({ onEvent: (event) => order.push(`onEvent:${event.eventType}`) });
      const response = await webhook.fetch(new Request('http://localhost/', { method: 'POST', body: MIME }));
      expect(response.status).toBe(200);
      expect(order).toEqual(['signal:hello', 'onEvent:inbound']);
    } finally {
      inbound.disconnect(receiver);
    }
  });

  it('answers 413 over maxBodyBytes, from fetch() without reading the body', async () => {
    const webhook = hook({ maxBodyBytes: 16 });
    expect((await webhook.handle({ body: MIME, headers: {} })).status).toBe(413);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const response = await webhook.fetch(new Request('http://localhost/', { method: 'POST', body, duplex: 'half' } as RequestInit));
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(4);
  });

  it('a failed check is 400/401 with the reason; a receiver error is 500 and releases the replay claim', async () => {
    const cache = new MemoryReplayCache();
    let failReceiver = true;
    let received = 0;
    const webhook = hook({
      async verify(_raw, request) {
        if (request.headers.get('x-sig') !== 'ok') throw new AnymailWebhookValidationFailure('bad signature', { statusCode: 400 });
        await request.claim(cache, 'nonce-1', Date.now() + 60_000);
      },
      onEvent: () => {
        if (failReceiver) throw new Error('database down');
        received++;
      },
    });
    expect(await webhook.handle({ body: MIME, headers: { 'x-sig': 'no' } })).toMatchObject({ status: 400, body: 'bad signature' });
    expect((await webhook.handle({ body: MIME, headers: { 'x-sig': 'ok' } })).status).toBe(500);
    failReceiver = false;
    expect((await webhook.handle({ body: MIME, headers: { 'x-sig': 'ok' } })).status).toBe(200);
    // The ESP redelivers (our 200 got lost): acknowledged, not received twice.
    expect(await webhook.handle({ body: MIME, headers: { 'x-sig': 'ok' } })).toMatchObject({ status: 200, body: expect.stringMatching(/already processed/) });
    expect(received).toBe(1);
  });

  it('requireBasicAuth without credentials is a configuration error; wrong credentials are a 401 with a challenge', async () => {
    expect(() => hook({ requireBasicAuth: true })).toThrow(AnymailConfigurationError);
    const webhook = hook({ requireBasicAuth: true, webhookSecret: 'u:p' });
    const answer = await webhook.handle({ body: MIME, headers: { authorization: `Basic ${Buffer.from('u:x').toString('base64')}` } });
    expect(answer).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': 'Basic realm="anymail"' } });
  });

  it('refuses a non-positive maxBodyBytes', () => {
    expect(() => hook({ maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
  });
});

describe('AnymailInboundMessage', () => {
  it('reads headers case-insensitively and keeps every value', async () => {
    const message = await parseInboundMime('Received: one\r\nreceived: two\r\nX-Folded: a\r\n  b\r\nSubject: s\r\n\r\nx');
    expect(message.get('RECEIVED')).toBe('one');
    expect(message.getAll('received')).toEqual(['one', 'two']);
    expect(message.get('x-folded')).toBe('a  b');
    expect(message.get('missing')).toBeUndefined();
    expect(message.asString()).toContain('Subject: s');
  });

  it('mailparser is loaded by the first inbound message, not by importing @anymail/core', () => {
    const source = new URL('../src/index.ts', import.meta.url).href;
    const script = [
      "import { createRequire } from 'node:module';",
      'const require = createRequire(import.meta.url);',
      `const core = await import(${JSON.stringify(source)});`,
      "const loaded = () => Object.keys(require.cache).some((path) => path.includes('/mailparser/'));",
      'const before = loaded();',
      "await core.parseInboundMime('Subject: x\\r\\n\\r\\nbody');",
      'console.log(JSON.stringify([before, loaded()]));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../', import.meta.url)),
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual([false, true]);
  });
});
