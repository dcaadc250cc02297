import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, tracking, type AnymailTrackingEvent } from '@anymail/core';
import { trackingWebhook } from '../src/mailgun-webhook.js';

const KEY = 'key-test-signing-0123456789';
const NOW = 1_700_000_000_000;
const fixtureDir = new URL('./fixtures/webhooks/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, fixtureDir), 'utf8')) as Record<string, unknown>;

let tokenCounter = 0;
function sign(timestamp = String(NOW / 1000), token = `token-${++tokenCounter}-${'x'.repeat(40)}`, key = KEY) {
  return { timestamp, token, signature: createHmac('sha256', key).update(timestamp + token).digest('hex') };
}
function signedBody(name: string, signature = sign()): string {
  return JSON.stringify({ ...fixture(name), signature });
}
const json = { 'content-type': 'application/json' };
const webhook = (extra = {}) => trackingWebhook({ webhookSigningKey: KEY, now: () => NOW, ...extra });

const expected: Record<string, Partial<AnymailTrackingEvent>> = {
  'delivered.json': { eventType: 'delivered', recipient: 'john@example.com', tags: [],
    messageId: '<20180622182958.1.48906CB188F1A454@exmple.org>', metadata: {}, rejectReason: undefined, mtaResponse: 'OK' },
  'failed-permanent.json': { eventType: 'rejected', rejectReason: 'bounced', recipient: 'slava@mailgun.com',
    messageId: '<20180622211249.1.2A6098970A380E12@example.org>', eventId: 'pl271FzxTTmGRW8Uj3dUWw',
    description: 'Not delivering to previously bounced address' },
  'failed-permanent-delayed-bounce.json': { eventType: 'bounced', rejectReason: 'bounced' },
  'failed-temporary.json': { eventType: 'deferred', rejectReason: 'other', recipient: 'test@test.com',
    messageId: '<20221006142837.1618e01bf42da9fa@test.com>', eventId: 'xYrATi63Rke8EC_s7EoJeA',
    mtaResponse: '4.7.652 The mail server [xxx.xxx.xxx.xxx] has exceeded the maximum number of connections.' },
  'opened.json': { eventType: 'opened', rejectReason: undefined },
  'clicked.json': { eventType: 'clicked', clickUrl: 'http://example.com/signup', recipient: 'recipient@example.com',
    messageId: '<20130821085807.30688.67706@samples.mailgun.org>', eventId: 'G5zMz2ysS6OxZ2C8xb2Tqg',
    timestamp: new Date(1377075564094.891),
    userAgent: 'Mozilla/5.0 (X11; Linux i686) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/28.0.1500.71 Chrome/28.0.1500.71 Safari/537.36' },
  'complained.json': { eventType: 'complained' },
  'unsubscribed.json': { eventType: 'unsubscribed' },
};

describe('Mailgun webhook fixtures', () => {
  it('has an expectation for every shared example', () => {
    expect(readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, want] of Object.entries(expected)) {
    it(`parses ${name}`, async () => {
      const events = await webhook().parse({ body: signedBody(name), headers: json });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ espName: 'Mailgun', ...want });
      expect(events[0]!.espEvent).toEqual(fixture(name)['event-data']);
    });
  }
});

describe('Mailgun webhook security', () => {
  it("verifies a subaccount's event by its parent-signature with the primary account's key", async () => {
    const PARENT = 'key-primary-account-signing';
    const own = sign(undefined, undefined, 'key-subaccount-we-do-not-hold');
    const parentSignature = createHmac('sha256', PARENT).update(own.timestamp + own.token).digest('hex');
    const post = (signature: Record<string, string>, key: string | string[] = PARENT) =>
      webhook({ webhookSigningKey: key }).fetch(new Request('http://h/', { method: 'POST', headers: json, body: signedBody('opened.json', signature as never) }));
    expect((await post({ ...own, 'parent-signature': parentSignature })).status).toBe(200);
    // The subaccount's own key still verifies its own signature.
    const sub = sign(undefined, undefined, 'key-subaccount-2');
    expect((await post({ ...sub, 'parent-signature': 'f'.repeat(64) }, 'key-subaccount-2')).status).toBe(200);
    // A forged parent-signature, or one made with another key, is refused.
    const other = sign(undefined, undefined, 'key-subaccount-we-do-not-hold');
    expect((await post({ ...other, 'parent-signature': 'f'.repeat(64) })).status).toBe(400);
    const third = sign(undefined, undefined, 'key-subaccount-we-do-not-hold');
    const wrongParent = createHmac('sha256', 'key-someone-else').update(third.timestamp + third.token).digest('hex');
    expect((await post({ ...third, 'parent-signature': wrongParent })).status).toBe(400);
  });

  it('accepts any key of a list (rotation), and refuses an empty key', async () => {
    const hook = webhook({ webhookSigningKey: ['key-new', KEY] });
    const post = (signature: ReturnType<typeof sign>) =>
      hook.fetch(new Request('http://h/', { method: 'POST', headers: json, body: signedBody('opened.json', signature) }));
    expect((await post(sign())).status).toBe(200);
    expect((await post(sign(undefined, undefined, 'key-new'))).status).toBe(200);
    expect((await post(sign(undefined, undefined, 'key-retired'))).status).toBe(400);
    expect(() => trackingWebhook({ webhookSigningKey: '' })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ webhookSigningKey: [] })).toThrow(/webhookSigningKey is empty/);
  });

  it('refuses the docs sample signature (signed with a key we do not hold)', async () => {
    const res = await webhook().fetch(new Request('http://h/', { method: 'POST', headers: json,
      body: readFileSync(new URL('opened.json', fixtureDir)) }));
    expect(res.status).toBe(400);
  });
  it('honours timestampToleranceSeconds', async () => {
    const body = signedBody('opened.json', sign(String(NOW / 1000 - 3000)));
    await expect(webhook({ timestampToleranceSeconds: 3600 }).parse({ body, headers: json })).resolves.toHaveLength(1);
  });
  it('requires a signing key, naming the env var', () => {
    expect(() => trackingWebhook({ env: {} })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ env: {} })).toThrow(/MAILGUN_WEBHOOK_SIGNING_KEY/);
    expect(() => trackingWebhook({ env: { MAILGUN_WEBHOOK_SIGNING_KEY: KEY } })).not.toThrow();
  });
});

describe('Mailgun legacy form webhooks', () => {
  function legacyForm(fields: Record<string, string>, signature = sign()): URLSearchParams {
    return new URLSearchParams({ ...fields, ...signature });
  }
  it('parses a urlencoded "dropped" post with tags and variables', async () => {
    const form = legacyForm({ event: 'dropped', reason: 'hardfail', recipient: 'bob@example.com',
      'Message-Id': '<20130503.1@example.com>', description: 'Not delivering to previously bounced address',
      customer: '42' });
    form.append('tag', 'welcome');
    const [event] = await webhook().parse({ body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(event).toMatchObject({ eventType: 'rejected', rejectReason: 'bounced', recipient: 'bob@example.com',
      messageId: '<20130503.1@example.com>', tags: ['welcome'], metadata: { customer: '42' } });
  });
  it('adds the angle brackets a legacy post omits (lowercase message-id), and keeps given ones', async () => {
    const bare = legacyForm({ event: 'delivered', recipient: 'bob@example.com', 'message-id': '20130503.2@example.com' });
    const [event] = await webhook().parse({ body: bare.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(event!.messageId).toBe('<20130503.2@example.com>');
  });
  it('keeps a modern event\'s message-id that already has angle brackets as it is', async () => {
    const data = fixture('delivered.json') as { 'event-data': { message: { headers: Record<string, string> } } };
    data['event-data'].message.headers['message-id'] = '<already@example.org>';
    const [event] = await webhook().parse({ body: JSON.stringify({ ...data, signature: sign() }), headers: json });
    expect(event!.messageId).toBe('<already@example.org>');
  });
  it('parses a multipart "bounced" post and checks its signature', async () => {
    const form = new FormData();
    for (const [k, v] of legacyForm({ event: 'bounced', recipient: 'c@example.com', code: '550', error: '550 No such user' })) form.append(k, v);
    const request = new Request('http://h/', { method: 'POST', body: form });
    const events = await webhook().parse({ body: new Uint8Array(await request.arrayBuffer()), headers: request.headers });
    expect(events[0]).toMatchObject({ eventType: 'bounced', rejectReason: 'bounced', mtaResponse: '550 No such user' });
    const forged = legacyForm({ event: 'bounced' }, { ...sign(), signature: 'f'.repeat(64) });
    await expect(webhook().parse({ body: forged.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
      .rejects.toThrow(/signature/);
  });
});

describe('Mailgun webhook over node:http', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it('fires the tracking signal with the webhook as sender, answers HEAD, and 401s bad basic auth', async () => {
    const hook = webhook({ webhookSecret: ['old:secret', 'new:secret'] });
    const seen: AnymailTrackingEvent[] = [];
    const receiver = ({ event, sender }: { event: AnymailTrackingEvent; sender: unknown }) => {
      expect(sender).toBe(hook);
      seen.push(event);
    };
    tracking.connect(receiver);
    server = createServer((req, res) => void hook.node(req, res));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/mailgun`;
    try {
      expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
      const auth = (cred: string) => ({ ...json, authorization: `Basic ${Buffer.from(cred).toString('base64')}` });
      const bad = await fetch(url, { method: 'POST', headers: auth('new:wrong'), body: signedBody('clicked.json') });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect(seen).toEqual([]);
      const ok = await fetch(url, { method: 'POST', headers: auth('old:secret'), body: signedBody('clicked.json') });
      expect(ok.status).toBe(200);
      expect(seen.map((e) => e.eventType)).toEqual(['clicked']);
    } finally {
      tracking.disconnect(receiver);
    }
  });
});
