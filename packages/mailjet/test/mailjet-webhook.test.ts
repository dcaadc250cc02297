import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, tracking, type AnymailTrackingEvent } from '@anymail/core';
import { trackingWebhook } from '../src/mailjet-webhook.js';
import { MAILJET_REJECT_REASONS } from '../src/mailjet-event-map.js';

const fixtureDir = new URL('./fixtures/webhooks/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtureDir), 'utf8');
const SECRET = 'anymail:s3cret-pass';
const basic = (cred: string) => `Basic ${Buffer.from(cred).toString('base64')}`;
const headers = (cred = SECRET) => ({ 'content-type': 'application/json', authorization: basic(cred) });
const common = { espName: 'Mailjet', tags: [], metadata: {} };

// Every shared example, with what it must become. MessageIDs are the fixture's digits, never rounded.
const expected: Record<string, Partial<AnymailTrackingEvent>[]> = {
  'sent.json': [{ eventType: 'delivered', messageId: '19421777835146490', recipient: 'api@mailjet.com',
    timestamp: new Date(1433333949 * 1000), mtaResponse: 'sent (250 2.0.0 OK 1433333948 fa5si855896wjc.199 - gsmtp)' }],
  'grouped-sent-batch.json': [
    { eventType: 'delivered', messageId: '19421777835146490' },
    { eventType: 'delivered', messageId: '19421777835146491' },
  ],
  'open.json': [{ eventType: 'opened', messageId: '19421777396190490', recipient: 'api@mailjet.com',
    userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0', timestamp: new Date(1433103519 * 1000) }],
  'click.json': [{ eventType: 'clicked', messageId: '19421777836302490', clickUrl: 'https://mailjet.com',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_0) AppleWebKit/537.36' }],
  'bounce.json': [{ eventType: 'bounced', rejectReason: 'bounced', messageId: '13792286917004336', recipient: 'bounce@mailjet.com',
    description: 'Host or domain name not found. Name service error for name=lbjsnrftlsiuvbsren.com type=A: Host not found' }],
  'blocked.json': [{ eventType: 'rejected', rejectReason: 'bounced', messageId: '13792286917004336', description: 'recipient: user unknown' }],
  'spam.json': [{ eventType: 'complained', rejectReason: 'spam', messageId: '13792286917004336' }],
  'unsub.json': [{ eventType: 'unsubscribed', rejectReason: 'unsubscribed', messageId: '20547674933128000' }],
};

describe('Mailjet webhook fixtures', () => {
  it('has an expectation for every shared example', () => {
    expect(readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, wants] of Object.entries(expected)) {
    it(`parses ${name}`, async () => {
      const events = await trackingWebhook({ webhookSecret: SECRET }).parse({ body: read(name), headers: headers() });
      expect(events).toHaveLength(wants.length);
      wants.forEach((want, index) => expect(events[index]).toMatchObject({ ...common, ...want }));
    });
  }
  it('keeps MessageID digits that a plain JSON.parse would round', async () => {
    const body = read('grouped-sent-batch.json').replace(/"mj_message_id": "\d+",/g, '');
    // The point of the test: JSON.parse rounds the second id (…491 becomes …492).
    const plain = (JSON.parse(body) as { MessageID: number }[]).map((event) => String(event.MessageID));
    expect(plain[1]).not.toBe('19421777835146491');
    const events = await trackingWebhook({ webhookSecret: SECRET }).parse({ body, headers: headers() });
    expect(events.map((event) => event.messageId)).toEqual(['19421777835146490', '19421777835146491']);
    expect((events[1]!.espEvent as { MessageID: unknown }).MessageID).toBe('19421777835146491');
  });
});

describe('Mailjet event mapping', () => {
  const hook = trackingWebhook({ webhookSecret: SECRET });
  const parse = async (record: object) => (await hook.parse({ body: JSON.stringify(record), headers: headers() }))[0]!;
  const bounce = () => JSON.parse(read('bounce.json')) as Record<string, unknown>;

  it('maps every documented error value to a reject reason', async () => {
    for (const [error, reason] of Object.entries(MAILJET_REJECT_REASONS)) {
      const event = await parse({ ...bounce(), error, hard_bounce: true });
      expect([error, event.rejectReason]).toEqual([error, reason]);
    }
    expect((await parse({ ...bounce(), error: 'something new' })).rejectReason).toBe('other');
  });
  it('reports a greylisted soft bounce as deferred (Mailjet tries again)', async () => {
    expect(await parse({ ...bounce(), error: 'greylisted', hard_bounce: false })).toMatchObject({ eventType: 'deferred', rejectReason: 'other' });
    expect(await parse({ ...bounce(), error: 'greylisted', hard_bounce: true })).toMatchObject({ eventType: 'bounced' });
  });
  it('reads metadata from the JSON EventPayload and the tag from customcampaign', async () => {
    const event = await parse({ ...bounce(), Payload: '{"order":"A-1","n":2}', customcampaign: 'welcome' });
    expect(event).toMatchObject({ metadata: { order: 'A-1', n: 2 }, tags: ['welcome'] });
    expect((await parse({ ...bounce(), Payload: 'not json' })).metadata).toEqual({});
  });
  it('accepts an unknown event as an unknown event (anything but 200 makes Mailjet retry for a day)', async () => {
    expect(await parse({ event: 'somethingnew', MessageID: 5, email: 'a@example.com' })).toMatchObject({
      eventType: 'unknown', messageId: '5', recipient: 'a@example.com' });
  });
  it('maps event and error names that are Object.prototype keys to unknown / other (no prototype lookups)', async () => {
    expect(await parse({ event: 'constructor', MessageID: 5 })).toMatchObject({ eventType: 'unknown' });
    expect(await parse({ event: 'toString', MessageID: 5 })).toMatchObject({ eventType: 'unknown' });
    expect((await parse({ ...bounce(), error: '__proto__' })).rejectReason).toBe('other');
  });
  it('refuses a body that is not an event object or an array of them', async () => {
    await expect(hook.parse({ body: '[1]', headers: headers() })).rejects.toThrow(/item 0 is not an object/);
    await expect(hook.parse({ body: '{"event":', headers: headers() })).rejects.toThrow(/not valid JSON/);
  });
  it('refuses a Parse API (inbound) post with a 400 that names inboundWebhook()', async () => {
    const body = readFileSync(new URL('./fixtures/inbound/parse-inbound.json', import.meta.url), 'utf8');
    const res = await hook.handle({ body, headers: headers() });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/inboundWebhook\(\)/);
  });
});

describe('Mailjet basic auth', () => {
  it('is required: without webhookSecret the webhook cannot be created', () => {
    expect(() => trackingWebhook({ env: {} })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ env: { MAILJET_WEBHOOK_SECRET: 'a:b' } })).not.toThrow();
    expect(() => trackingWebhook({ webhookSecret: 'no-colon' })).toThrow(/username:password/);
  });
  it('answers 401 and fires nothing for missing or wrong credentials', async () => {
    const fired: unknown[] = [];
    const hook = trackingWebhook({ webhookSecret: SECRET, onEvent: (e) => fired.push(e) });
    for (const auth of [undefined, basic('anymail:wrong'), basic('anymail:s3cret-pas'), 'Bearer x']) {
      const res = await hook.fetch(new Request('http://h/', { method: 'POST', body: read('sent.json'),
        headers: auth ? { authorization: auth } : {} }));
      expect(res.status).toBe(401);
    }
    expect(fired).toEqual([]);
  });
});

describe('Mailjet webhook over node:http', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));
  it('fires one tracking signal per event of a grouped post', async () => {
    const hook = trackingWebhook({ webhookSecret: SECRET });
    const seen: string[] = [];
    const receiver = ({ event, espName }: { event: AnymailTrackingEvent; espName: string }) =>
      void seen.push(`${espName}:${event.eventType}:${event.messageId}`);
    tracking.connect(receiver, { sender: hook });
    server = createServer((req, res) => void hook.node(req, res));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mailjet`;
    try {
      expect((await fetch(url, { method: 'POST', body: read('grouped-sent-batch.json'), headers: headers() })).status).toBe(200);
      expect((await fetch(url, { method: 'POST', body: read('open.json'), headers: headers('x:y') })).status).toBe(401);
      expect(seen).toEqual(['Mailjet:delivered:19421777835146490', 'Mailjet:delivered:19421777835146491']);
    } finally {
      tracking.disconnect(receiver, { sender: hook });
    }
  });
});
