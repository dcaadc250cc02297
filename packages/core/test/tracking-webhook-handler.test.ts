import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnymailConfigurationError,
  AnymailWebhookValidationFailure,
  MemoryReplayCache,
  createTrackingEvent,
  createTrackingWebhook,
  tracking,
  WebhookRequest,
  type AnymailTrackingEvent,
  type ReplayCache,
  type TrackingWebhookConfig,
} from '../src/index.js';

const event = (id: string) => createTrackingEvent({ espName: 'Test', espEvent: { id }, eventType: 'delivered', eventId: id });

/** A webhook whose "signature" is the header x-test-valid: yes; body = JSON list of ids. */
function testWebhook(extra: Partial<TrackingWebhookConfig> = {}) {
  const cache = new MemoryReplayCache();
  return createTrackingWebhook({
    espName: 'Test',
    esp: 'test',
    env: {},
    verify: async (_envelope, request) => {
      if (request.headers.get('x-test-valid') !== 'yes') {
        throw new AnymailWebhookValidationFailure('bad test signature', { statusCode: 400 });
      }
      const nonce = request.headers.get('x-nonce');
      if (nonce) await request.claim(cache, nonce, Date.now() + 60_000);
    },
    parseEvents: (ids) => (ids as string[]).map(event),
    ...extra,
  });
}
const valid = { 'x-test-valid': 'yes', 'content-type': 'application/json' };

describe('createTrackingWebhook.fetch', () => {
  it('answers HEAD with 200 and other non-POST methods with 405', async () => {
    const hook = testWebhook();
    expect((await hook.fetch(new Request('http://h/', { method: 'HEAD' }))).status).toBe(200);
    const put = await hook.fetch(new Request('http://h/', { method: 'PUT', body: '[]' }));
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'POST, HEAD, OPTIONS']);
  });
  it('fires the tracking signal once per event (sender = the webhook), then onEvent', async () => {
    const order: string[] = [];
    const hook = testWebhook({ onEvent: (e) => void order.push(`onEvent:${e.eventId}`) });
    const receiver = ({ event: e, espName, sender }: { event: AnymailTrackingEvent; espName: string; sender: unknown }) => {
      order.push(`signal:${e.eventId}:${espName}:${sender === hook}`);
    };
    tracking.connect(receiver);
    try {
      const res = await hook.fetch(new Request('http://h/', { method: 'POST', headers: valid, body: '["a","b"]' }));
      expect(res.status).toBe(200);
    } finally {
      tracking.disconnect(receiver);
    }
    expect(order).toEqual(['signal:a:Test:true', 'onEvent:a', 'signal:b:Test:true', 'onEvent:b']);
  });
  it('answers 400 and fires nothing when verification fails', async () => {
    const fired: unknown[] = [];
    const hook = testWebhook({ onEvent: (e) => fired.push(e) });
    const res = await hook.fetch(new Request('http://h/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '["a"]' }));
    expect([res.status, await res.text()]).toEqual([400, 'bad test signature']);
    expect(fired).toEqual([]);
  });
  it('answers 400 for a body that is not JSON', async () => {
    const res = await testWebhook().fetch(new Request('http://h/', { method: 'POST', headers: valid, body: '["a"' }));
    expect([res.status, await res.text()]).toEqual([400, 'Webhook body is not valid JSON']);
  });
  it('answers 500 without details when verification breaks unexpectedly', async () => {
    const hook = testWebhook({ verify: () => { throw new Error('secret internals'); } });
    const res = await hook.fetch(new Request('http://h/', { method: 'POST', headers: valid, body: '[]' }));
    expect([res.status, await res.text()]).toEqual([500, 'Webhook processing failed']);
  });
  it('answers 500 when a receiver throws, and releases replay nonces so the retry is accepted', async () => {
    let failures = 1;
    const hook = testWebhook({ onEvent: () => { if (failures-- > 0) throw new Error('db down'); } });
    const send = () => hook.fetch(new Request('http://h/', { method: 'POST', headers: { ...valid, 'x-nonce': 'n1' }, body: '["a"]' }));
    expect((await send()).status).toBe(500);
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    expect(failures).toBe(-1); // the receiver ran twice (the failure, the retry), not for the redelivery
  });
});

describe('redeliveries (same nonce)', () => {
  /** A webhook claiming x-nonce in `cache`; body = JSON list of ids. */
  function nonceWebhook(cache: ReplayCache, onEvent: (event: AnymailTrackingEvent) => unknown = () => undefined) {
    return createTrackingWebhook({
      espName: 'Test',
      esp: 'test',
      env: {},
      verify: (_envelope, request) => request.claim(cache, request.headers.get('x-nonce')!, Date.now() + 60_000),
      parseEvents: (ids) => (ids as string[]).map(event),
      onEvent,
    });
  }
  const input = (nonce: string) => ({ method: 'POST', body: '["a"]', headers: { ...valid, 'x-nonce': nonce } });

  it('parse() counts the request as processed once it resolves: parsing it again gives no events', async () => {
    const hook = nonceWebhook(new MemoryReplayCache());
    expect(await hook.parse(input('p1'))).toHaveLength(1);
    expect(await hook.parse(input('p1'))).toEqual([]);
    expect(await hook.handle(input('p1'))).toMatchObject({ status: 200, body: expect.stringMatching(/already processed/) });
  });

  it('parse() throws AnymailWebhookBusy (503) while the same request is being processed', async () => {
    const cache = new MemoryReplayCache();
    cache.claim('test:p2', Date.now() + 60_000);
    await expect(nonceWebhook(cache).parse(input('test:p2'))).rejects.toMatchObject({ code: 'ANYMAIL_WEBHOOK_BUSY', statusCode: 503 });
  });

  it('works with a cache written for 0.1 (boolean claim, no complete): a redelivery is asked to retry (503), never delivered twice', async () => {
    const keys = new Set<string>();
    const legacy: ReplayCache = {
      claim: (key) => (keys.has(key) ? false : (keys.add(key), true)),
      release: (key) => void keys.delete(key),
    };
    const delivered: string[] = [];
    const hook = nonceWebhook(legacy, (e) => void delivered.push(e.eventId!));
    expect((await hook.handle(input('l1'))).status).toBe(200);
    const again = await hook.handle(input('l1'));
    expect([again.status, again.headers?.['Retry-After']]).toEqual([503, '30']);
    expect(delivered).toEqual(['a']);
  });

  it('answers 200 when the store fails to mark the claim done: the redelivery is asked to retry, not delivered again', async () => {
    const memory = new MemoryReplayCache();
    const flaky: ReplayCache = {
      claim: (key, expiresAt) => memory.claim(key, expiresAt),
      complete: () => Promise.reject(new Error('store down')),
      release: (key) => memory.release(key),
    };
    const delivered: string[] = [];
    const hook = nonceWebhook(flaky, (e) => void delivered.push(e.eventId!));
    expect((await hook.handle(input('f1'))).status).toBe(200);
    expect((await hook.handle(input('f1'))).status).toBe(503);
    expect(delivered).toEqual(['a']);
  });

  it('answers 500 (the ESP retries) when a cache answers something other than a claim state', async () => {
    const broken = { claim: () => 'yes', release: () => undefined } as unknown as ReplayCache;
    const hook = nonceWebhook(broken);
    expect((await hook.handle(input('b1'))).status).toBe(500);
    await expect(hook.parse(input('b1'))).rejects.toThrow(/must answer 'claimed', 'in-progress' or 'done'/);
  });
});

describe('basic auth', () => {
  const auth = (cred: string) => ({ ...valid, authorization: `Basic ${Buffer.from(cred).toString('base64')}` });
  const post = (hook: ReturnType<typeof testWebhook>, headers: Record<string, string>) =>
    hook.fetch(new Request('http://h/', { method: 'POST', headers, body: '["a"]' }));

  it('accepts any credential of the list, refuses others with a 401 challenge', async () => {
    const hook = testWebhook({ webhookSecret: ['u1:p1', 'u2:p2'] });
    expect((await post(hook, auth('u1:p1'))).status).toBe(200);
    expect((await post(hook, auth('u2:p2'))).status).toBe(200);
    for (const headers of [auth('u1:p2'), auth('u1:p1 '), auth(''), valid, { ...valid, authorization: 'Basic !!!' }, { ...valid, authorization: 'Bearer u1:p1' }]) {
      const res = await post(hook, headers);
      expect([res.status, res.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="anymail"']);
    }
  });
  it('checks basic auth before the ESP check', async () => {
    const hook = testWebhook({ webhookSecret: 'u:p', verify: () => { throw new Error('must not run'); } });
    expect((await post(hook, valid)).status).toBe(401);
  });
  it('reads ANYMAIL_WEBHOOK_SECRET (comma-separated) and <ESP>_WEBHOOK_SECRET', async () => {
    const fromEnv = testWebhook({ env: { ANYMAIL_WEBHOOK_SECRET: 'a:1,b:2' } });
    expect((await post(fromEnv, auth('b:2'))).status).toBe(200);
    const perEsp = testWebhook({ env: { TEST_WEBHOOK_SECRET: 'c:3', ANYMAIL_WEBHOOK_SECRET: 'a:1' } });
    expect((await post(perEsp, auth('c:3'))).status).toBe(200);
    expect((await post(perEsp, auth('a:1'))).status).toBe(401);
  });
  it('requireBasicAuth without a secret is a configuration error naming the fix', () => {
    expect(() => testWebhook({ requireBasicAuth: true })).toThrow(AnymailConfigurationError);
    expect(() => testWebhook({ requireBasicAuth: true })).toThrow(/ANYMAIL_WEBHOOK_SECRET/);
    expect(() => testWebhook({ webhookSecret: 'nocolon' })).toThrow(/username:password/);
  });
});

describe('createTrackingWebhook.node and parse', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));
  async function serve(handler: (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => void): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it('reads the raw stream, answers HEAD and 400 on a node:http server', async () => {
    const ids: string[] = [];
    const hook = testWebhook({ onEvent: (e) => void ids.push(e.eventId!) });
    const url = await serve((req, res) => void hook.node(req, res));
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(url, { method: 'POST', headers: valid, body: '["x","y"]' })).status).toBe(200);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '["z"]' })).status).toBe(400);
    expect(ids).toEqual(['x', 'y']);
  });
  it('uses a body a framework already read (Buffer, string or parsed JSON)', async () => {
    const ids: string[] = [];
    const hook = testWebhook({ onEvent: (e) => void ids.push(e.eventId!) });
    const bodies: unknown[] = [Buffer.from('["buf"]'), '["str"]', ['obj']];
    let n = 0;
    const url = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        (req as IncomingMessage & { body?: unknown }).body = bodies[n++];
        void hook.node(req, res);
      });
    });
    for (let i = 0; i < bodies.length; i++) {
      expect((await fetch(url, { method: 'POST', headers: valid, body: 'ignored' })).status).toBe(200);
    }
    expect(ids).toEqual(['buf', 'str', 'obj']);
  });
  it('parse() verifies and returns events without firing anything', async () => {
    const fired: unknown[] = [];
    const hook = testWebhook({ onEvent: (e) => fired.push(e) });
    const events = await hook.parse({ body: new TextEncoder().encode('["p"]'), headers: { 'x-test-valid': ['yes'] } });
    expect(events.map((e) => e.eventId)).toEqual(['p']);
    await expect(hook.parse({ body: '["p"]', headers: new Headers() })).rejects.toBeInstanceOf(AnymailWebhookValidationFailure);
    expect(fired).toEqual([]);
  });
});

describe('one parsed envelope', () => {
  it('parses the body once: verify and parseEvents get the same envelope object', async () => {
    let reads = 0;
    const seen: unknown[] = [];
    const hook = createTrackingWebhook<{ ids: string[] }>({
      espName: 'Test',
      esp: 'test',
      env: {},
      readEnvelope: (request) => {
        reads++;
        return { ids: request.json() as string[] };
      },
      verify: (envelope) => void seen.push(envelope),
      parseEvents: (envelope) => (seen.push(envelope), envelope.ids.map(event)),
    });
    const res = await hook.fetch(new Request('http://h/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '["a"]' }));
    expect(res.status).toBe(200);
    expect(reads).toBe(1);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
  });
  it('WebhookRequest decodes and JSON-parses its body at most once', () => {
    const request = new WebhookRequest({ body: new TextEncoder().encode('{"a":1}'), headers: {} });
    expect(request.json()).toBe(request.json());
    expect(request.text).toBe(request.text);
  });
  it('answers OPTIONS 204, a wrong content type 415, and a body over maxBodyBytes 413', async () => {
    const hook = testWebhook({ maxBodyBytes: 8 });
    const options = await hook.fetch(new Request('http://h/', { method: 'OPTIONS' }));
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'POST, HEAD, OPTIONS']);
    const xml = await hook.fetch(new Request('http://h/', { method: 'POST', headers: { ...valid, 'content-type': 'text/xml' }, body: '[]' }));
    expect(xml.status).toBe(415);
    const big = await hook.fetch(new Request('http://h/', { method: 'POST', headers: valid, body: '["123456789"]' }));
    expect([big.status, await big.text()]).toEqual([413, expect.stringMatching(/maxBodyBytes/)]);
    await expect(hook.parse({ body: '["123456789"]', headers: valid })).rejects.toThrow(/maxBodyBytes/);
    expect(() => testWebhook({ maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
  });
});
