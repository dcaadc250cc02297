import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, tracking, type AnymailTrackingEvent } from '@anymail/core';
import { trackingWebhook } from '../src/brevo-webhook.js';
import { BREVO_EVENT_TYPES } from '../src/brevo-event-map.js';

const fixtureDir = new URL('./fixtures/webhooks/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtureDir), 'utf8');
const SECRET = 'anymail:s3cret-pass';
const TOKEN = 'brevo-bearer-7f3a9c';
const basic = (cred: string) => `Basic ${Buffer.from(cred).toString('base64')}`;
const headers = (authorization = basic(SECRET)) => ({ 'content-type': 'application/json', authorization });
const common = {
  espName: 'Brevo',
  messageId: '<202603201604.12345678901@smtp-relay.mailin.fr>',
  recipient: 'recipient@example.com',
  metadata: { order_id: '12345' },
  tags: ['shipping', 'order'],
  // ts_epoch (ms, UTC); `date` and `ts` are an hour ahead (the account's time zone).
  timestamp: new Date('2026-03-20T15:04:05.123Z'),
  eventId: undefined,
};

const expected: Record<string, Partial<AnymailTrackingEvent>> = {
  'request.json': { eventType: 'queued', rejectReason: undefined },
  'delivered.json': { eventType: 'delivered', rejectReason: undefined, mtaResponse: undefined },
  'hard-bounce.json': { eventType: 'bounced', rejectReason: 'bounced',
    mtaResponse: '550 5.1.1 <recipient@example.com>: Recipient address rejected: User unknown' },
  'soft-bounce.json': { eventType: 'bounced', rejectReason: 'bounced', mtaResponse: '452 4.2.2 Mailbox full' },
  'blocked.json': { eventType: 'rejected', rejectReason: 'blocked', mtaResponse: 'blocked : due to a previous hard bounce' },
  'invalid-email.json': { eventType: 'bounced', rejectReason: 'invalid' },
  'deferred.json': { eventType: 'deferred', mtaResponse: '421 4.7.0 Try again later' },
  'spam.json': { eventType: 'complained', rejectReason: 'spam' },
  'opened.json': { eventType: 'opened' },
  'unique-opened.json': { eventType: 'opened' },
  'proxy-open.json': { eventType: 'opened' },
  'click.json': { eventType: 'clicked', clickUrl: 'https://example.com/track/order/12345' },
  'unsubscribed.json': { eventType: 'unsubscribed', rejectReason: 'unsubscribed' },
  'error.json': { eventType: 'failed', rejectReason: 'other' },
};

describe('Brevo webhook fixtures', () => {
  const hook = trackingWebhook({ webhookSecret: SECRET, env: {} });
  it('has an expectation for every single-event fixture', () => {
    const singles = readdirSync(fixtureDir).filter((f) => f.endsWith('.json') && f !== 'batched.json');
    expect(singles.sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, want] of Object.entries(expected)) {
    it(`parses ${name}`, async () => {
      const events = await hook.parse({ body: read(name), headers: headers() });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ ...common, ...want });
      expect(events[0]!.espEvent).toEqual(JSON.parse(read(name)));
    });
  }
  it('parses a batched post (an array) into one event per entry, in order', async () => {
    const events = await hook.parse({ body: read('batched.json'), headers: headers() });
    expect(events.map((event) => [event.eventType, event.timestamp?.toISOString()])).toEqual([
      ['queued', '2026-03-20T15:04:05.123Z'],
      ['delivered', '2026-03-20T15:04:06.456Z'],
    ]);
  });
});

describe('Brevo event mapping', () => {
  const hook = trackingWebhook({ webhookSecret: SECRET, env: {} });
  const parse = async (record: object) => (await hook.parse({ body: JSON.stringify(record), headers: headers() }))[0]!;
  const base = JSON.parse(read('delivered.json')) as Record<string, unknown>;

  it('maps both spellings (subscription names and payload names) of every event', async () => {
    for (const [name, [eventType, rejectReason]] of Object.entries(BREVO_EVENT_TYPES)) {
      const event = await parse({ ...base, event: name });
      expect([name, event.eventType, event.rejectReason]).toEqual([name, eventType, rejectReason]);
    }
    expect(BREVO_EVENT_TYPES.hardBounce).toEqual(BREVO_EVENT_TYPES.hard_bounce);
    expect(BREVO_EVENT_TYPES.uniqueOpened).toEqual(BREVO_EVENT_TYPES.unique_opened);
  });
  it('accepts an unknown event as an unknown event rather than refusing it', async () => {
    expect(await parse({ ...base, event: 'something_new' })).toMatchObject({ eventType: 'unknown', recipient: 'recipient@example.com' });
    expect(await parse({ ...base, event: 'constructor' })).toMatchObject({ eventType: 'unknown' });
  });
  it('reads tags from `tag` when there is no `tags` array (a JSON array, or a single tag)', async () => {
    const { tags: _tags, ...noTags } = base;
    expect((await parse({ ...noTags, tag: '["a","b"]' })).tags).toEqual(['a', 'b']);
    expect((await parse({ ...noTags, tag: 'welcome' })).tags).toEqual(['welcome']);
    expect((await parse({ ...noTags, tag: '[not json' })).tags).toEqual(['[not json']);
    expect((await parse({ ...noTags, tag: '' })).tags).toEqual([]);
  });
  it('gives empty metadata for a missing or non-JSON X-Mailin-custom, and no time without ts_epoch', async () => {
    const { 'X-Mailin-custom': _custom, ts_epoch: _ts, ...rest } = base;
    expect(await parse(rest)).toMatchObject({ metadata: {}, timestamp: undefined });
    expect((await parse({ ...base, 'X-Mailin-custom': 'plain text' })).metadata).toEqual({});
    expect((await parse({ ...base, 'X-Mailin-custom': '[1,2]' })).metadata).toEqual({});
  });
  it('refuses an inbound post (400) naming the inbound handler', async () => {
    await expect(hook.parse({ body: JSON.stringify({ items: [] }), headers: headers() })).rejects.toThrow(/inboundWebhook\(\)/);
    const answer = await hook.handle({ body: JSON.stringify({ items: [] }), headers: headers() });
    expect(answer.status).toBe(400);
  });
  it('refuses a body that is not an object or an array of objects (400)', async () => {
    for (const body of ['"text"', '[1]', '[{"event":"delivered"}, null]']) {
      expect((await hook.handle({ body, headers: headers() })).status, body).toBe(400);
    }
  });
  it('accepts an empty batch (nothing to deliver)', async () => {
    expect((await hook.handle({ body: '[]', headers: headers() })).status).toBe(200);
  });
});

describe('Brevo webhook authentication', () => {
  it('needs webhookSecret or webhookToken: without one the webhook cannot be created', () => {
    expect(() => trackingWebhook({ env: {} })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ env: {} })).toThrow(/webhookSecret.*webhookToken/s);
    expect(() => trackingWebhook({ env: { ANYMAIL_WEBHOOK_SECRET: 'a:b' } })).not.toThrow();
    expect(() => trackingWebhook({ env: { BREVO_WEBHOOK_TOKEN: 't' } })).not.toThrow();
    expect(() => trackingWebhook({ env: { ANYMAIL_BREVO_WEBHOOK_TOKEN: 't' } })).not.toThrow();
    expect(() => trackingWebhook({ webhookSecret: 'no-colon', env: {} })).toThrow(/username:password/);
  });

  it('basic auth: answers 401 and fires nothing for missing or wrong credentials', async () => {
    const fired: unknown[] = [];
    const hook = trackingWebhook({ webhookSecret: SECRET, env: {}, onEvent: (e) => fired.push(e) });
    for (const auth of [undefined, basic('anymail:wrong'), basic(`${SECRET}x`), `Bearer ${TOKEN}`]) {
      const res = await hook.fetch(new Request('http://h/', { method: 'POST', body: read('delivered.json'), headers: auth ? { authorization: auth } : {} }));
      expect(res.status).toBe(401);
    }
    expect(fired).toEqual([]);
    const ok = await hook.fetch(new Request('http://h/', { method: 'POST', body: read('delivered.json'), headers: headers() }));
    expect([ok.status, fired.length]).toEqual([200, 1]);
  });

  it('bearer token: accepts the token (any of a rotation list), refuses others with 401', async () => {
    const fired: AnymailTrackingEvent[] = [];
    const hook = trackingWebhook({ webhookToken: ['old-token', TOKEN], env: {}, onEvent: (e) => fired.push(e) });
    for (const auth of [undefined, 'Bearer ', 'Bearer wrong', `Bearer ${TOKEN}x`, basic(SECRET), TOKEN, `Basic ${TOKEN}`]) {
      const answer = await hook.handle({ body: read('delivered.json'), headers: auth === undefined ? {} : headers(auth) });
      expect([auth, answer.status]).toEqual([auth, 401]);
    }
    expect(fired).toEqual([]);
    for (const auth of [`Bearer ${TOKEN}`, 'bearer old-token']) {
      expect((await hook.handle({ body: read('delivered.json'), headers: headers(auth) })).status).toBe(200);
    }
    expect(fired).toHaveLength(2);
  });

  it('both: accepts the bearer token or the basic credentials (moving from one to the other)', async () => {
    const hook = trackingWebhook({ webhookToken: TOKEN, webhookSecret: SECRET, env: {} });
    expect((await hook.handle({ body: read('opened.json'), headers: headers(`Bearer ${TOKEN}`) })).status).toBe(200);
    expect((await hook.handle({ body: read('opened.json'), headers: headers(basic(SECRET)) })).status).toBe(200);
    expect((await hook.handle({ body: read('opened.json'), headers: headers(basic('anymail:nope')) })).status).toBe(401);
  });

  it('a bearer token from the environment ignores an unrelated ANYMAIL_WEBHOOK_SECRET only if neither matches', async () => {
    const hook = trackingWebhook({ env: { BREVO_WEBHOOK_TOKEN: 'env-token', ANYMAIL_WEBHOOK_SECRET: 'x:y' } });
    expect((await hook.handle({ body: read('opened.json'), headers: headers('Bearer env-token') })).status).toBe(200);
    expect((await hook.handle({ body: read('opened.json'), headers: headers(basic('x:y')) })).status).toBe(200);
    expect((await hook.handle({ body: read('opened.json'), headers: headers('Bearer other') })).status).toBe(401);
  });
});

describe('Brevo webhook over node:http', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));
  it('fires one tracking signal per event and refuses a wrong token', async () => {
    const hook = trackingWebhook({ webhookToken: TOKEN, env: {} });
    const seen: string[] = [];
    const receiver = ({ event, espName }: { event: AnymailTrackingEvent; espName: string }) => void seen.push(`${espName}:${event.eventType}`);
    tracking.connect(receiver, { sender: hook });
    server = createServer((req, res) => void hook.node(req, res));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/brevo`;
    try {
      expect((await fetch(url, { method: 'POST', body: read('batched.json'), headers: headers(`Bearer ${TOKEN}`) })).status).toBe(200);
      expect((await fetch(url, { method: 'POST', body: read('click.json'), headers: headers('Bearer nope') })).status).toBe(401);
      expect(seen).toEqual(['Brevo:queued', 'Brevo:delivered']);
    } finally {
      tracking.disconnect(receiver, { sender: hook });
    }
  });
});
