import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, tracking, type AnymailTrackingEvent } from '@anymail/core';
import { trackingWebhook } from '../src/postmark-webhook.js';
import { POSTMARK_BOUNCE_TYPES } from '../src/postmark-event-map.js';

const fixtureDir = new URL('./fixtures/webhooks/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtureDir), 'utf8');
const SECRET = 'anymail:s3cret-pass';
const basic = (cred: string) => `Basic ${Buffer.from(cred).toString('base64')}`;
const headers = (cred = SECRET) => ({ 'content-type': 'application/json', authorization: basic(cred) });
const at = new Date('2025-04-05T16:33:54.907Z');
const common = { espName: 'Postmark', messageId: '883953f4-6105-42a2-a16a-77a8eac79483', recipient: 'john@example.com',
  metadata: { customer_id: '12345' }, timestamp: at };

const expected: Record<string, Partial<AnymailTrackingEvent>> = {
  'delivery.json': { eventType: 'delivered', tags: ['welcome-email'], mtaResponse: 'Test delivery webhook details', rejectReason: undefined },
  'bounce.json': { eventType: 'bounced', rejectReason: 'bounced', eventId: '42',
    description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    mtaResponse: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.' },
  'spam-complaint.json': { eventType: 'complained', rejectReason: 'spam', eventId: '42' },
  'open.json': { eventType: 'opened', userAgent: 'Mozilla/5.0 ...' },
  'click.json': { eventType: 'clicked', clickUrl: 'https://yourdomain.com/pricing', userAgent: 'Mozilla/5.0 ...' },
  'subscription-change.json': { eventType: 'unsubscribed', rejectReason: 'unsubscribed', tags: ['newsletter'],
    description: 'ManualSuppression' },
};

describe('Postmark webhook fixtures', () => {
  it('has an expectation for every shared example', () => {
    expect(readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, want] of Object.entries(expected)) {
    it(`parses ${name}`, async () => {
      const events = await trackingWebhook({ webhookSecret: SECRET }).parse({ body: read(name), headers: headers() });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ ...common, ...want });
      expect(events[0]!.espEvent).toEqual(JSON.parse(read(name)));
    });
  }
});

describe('Postmark event mapping', () => {
  const hook = trackingWebhook({ webhookSecret: SECRET });
  const parse = async (record: object) => (await hook.parse({ body: JSON.stringify(record), headers: headers() }))[0]!;

  it('maps every documented bounce Type', async () => {
    const seen = new Set<string>();
    for (const [type, [eventType, rejectReason]] of Object.entries(POSTMARK_BOUNCE_TYPES)) {
      const event = await parse({ ...JSON.parse(read('bounce.json')), Type: type });
      expect([event.eventType, event.rejectReason]).toEqual([eventType, rejectReason]);
      seen.add(eventType);
    }
    expect([...seen].sort()).toEqual(['autoresponded', 'bounced', 'complained', 'deferred', 'failed', 'rejected',
      'subscribed', 'unknown', 'unsubscribed']);
  });
  it('maps a resubscribe (SuppressSending false) to subscribed', async () => {
    const event = await parse({ ...JSON.parse(read('subscription-change.json')), SuppressSending: false });
    expect(event).toMatchObject({ eventType: 'subscribed', rejectReason: undefined });
  });
  it('maps a RecordType or bounce Type named like an Object method ("constructor") to unknown, not a crash', async () => {
    expect(await parse({ RecordType: 'constructor', MessageID: 'm1' })).toMatchObject({ eventType: 'unknown', messageId: 'm1' });
    expect(await parse({ RecordType: 'Bounce', Type: 'toString', MessageID: 'm2' })).toMatchObject({ eventType: 'bounced', rejectReason: 'other' });
  });

  it('accepts an unknown RecordType as an unknown event (a 4xx would make Postmark drop it)', async () => {
    expect(await parse({ RecordType: 'SomethingNew', MessageID: 'm1' })).toMatchObject({ eventType: 'unknown', messageId: 'm1' });
  });
});

describe('Postmark basic auth', () => {
  it('is required: without webhookSecret the webhook cannot be created', () => {
    expect(() => trackingWebhook({ env: {} })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ env: { ANYMAIL_WEBHOOK_SECRET: 'a:b' } })).not.toThrow();
    expect(() => trackingWebhook({ webhookSecret: 'no-colon' })).toThrow(/username:password/);
  });
  it('answers 401 with a challenge and fires nothing for missing or wrong credentials', async () => {
    const fired: unknown[] = [];
    const hook = trackingWebhook({ webhookSecret: SECRET, onEvent: (e) => fired.push(e) });
    for (const auth of [undefined, basic('anymail:wrong'), basic('anymail:s3cret-pas'), 'Bearer x', basic(`${SECRET}x`)]) {
      const res = await hook.fetch(new Request('http://h/', { method: 'POST', body: read('delivery.json'),
        headers: auth ? { authorization: auth } : {} }));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="anymail"');
    }
    expect(fired).toEqual([]);
  });
  it('accepts every credential of a rotation list, including from ANYMAIL_WEBHOOK_SECRET', async () => {
    const hook = trackingWebhook({ env: { ANYMAIL_WEBHOOK_SECRET: 'old:one, new:two' } });
    for (const cred of ['old:one', 'new:two']) {
      const res = await hook.fetch(new Request('http://h/', { method: 'POST', body: read('open.json'), headers: headers(cred) }));
      expect(res.status).toBe(200);
    }
    const res = await hook.fetch(new Request('http://h/', { method: 'POST', body: read('open.json'), headers: headers(SECRET) }));
    expect(res.status).toBe(401);
  });
});

describe('Postmark webhook over node:http', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));
  it('fires one tracking signal per post and answers HEAD with 200', async () => {
    const hook = trackingWebhook({ webhookSecret: SECRET });
    const seen: string[] = [];
    const receiver = ({ event, espName }: { event: AnymailTrackingEvent; espName: string }) => void seen.push(`${espName}:${event.eventType}`);
    tracking.connect(receiver, { sender: hook });
    server = createServer((req, res) => void hook.node(req, res));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/postmark`;
    try {
      expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
      for (const name of ['delivery.json', 'bounce.json']) {
        expect((await fetch(url, { method: 'POST', body: read(name), headers: headers() })).status).toBe(200);
      }
      expect((await fetch(url, { method: 'POST', body: read('bounce.json'), headers: headers('x:y') })).status).toBe(401);
      expect(seen).toEqual(['Postmark:delivered', 'Postmark:bounced']);
    } finally {
      tracking.disconnect(receiver, { sender: hook });
    }
  });
});
