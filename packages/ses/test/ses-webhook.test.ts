import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, type AnymailTrackingEvent } from '@anymail/core';
import { trackingWebhook, type SesTrackingWebhookOptions } from '../src/ses-webhook.js';
import { makeTestCertificate, signSns, snsHeaders, startCertServer } from './ses-webhook-helpers.js';

const fixtureDir = new URL('./fixtures/webhooks/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtureDir), 'utf8');
const TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic';
const CERT_URL = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';
type Sns = Record<string, string | undefined>;

let keyPem: string;
let certServer: Awaited<ReturnType<typeof startCertServer>>;
const fetchedUrls: string[] = [];
const confirmed: string[] = [];

beforeAll(async () => {
  const cert = makeTestCertificate();
  keyPem = cert.keyPem;
  certServer = await startCertServer({ [new URL(CERT_URL).pathname]: cert.certPem });
});
afterAll(() => new Promise<void>((done) => certServer.server.close(() => done())));

/** Certificate fetcher: maps the SNS URL onto the loopback server. */
const certificateFetcher = async (url: string) => {
  fetchedUrls.push(url);
  const res = await fetch(certServer.base + new URL(url).pathname);
  if (!res.ok) throw Object.assign(new Error(`certificate ${res.status}`), { statusCode: res.status });
  return res.text();
};
const confirmFetch = async (url: string) => {
  confirmed.push(url);
  return fetch(certServer.base + new URL(url).pathname + new URL(url).search);
};
const webhook = (extra: Partial<SesTrackingWebhookOptions> = {}) =>
  trackingWebhook({ topicArns: [TOPIC], certificateFetcher, fetch: confirmFetch, ...extra });

let counter = 0;
function notification(record: unknown, overrides: Sns = {}): Sns {
  return { Type: 'Notification', MessageId: `msg-${++counter}`, TopicArn: TOPIC,
    Message: typeof record === 'string' ? record : JSON.stringify(record), Timestamp: new Date().toISOString(),
    SigningCertURL: CERT_URL, UnsubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe', ...overrides };
}
const post = (hook: ReturnType<typeof webhook>, message: Sns, headers = snsHeaders(message)) =>
  hook.handle({ method: 'POST', body: JSON.stringify(message), headers });

const mail1 = { messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000', recipient: 'recipient@example.com' };
const custom = { myCustomTag1: 'myCustomValue1', myCustomTag2: 'myCustomValue2' };
const expected: Record<string, Partial<AnymailTrackingEvent>[]> = {
  'ses-event-bounce.json': [{ ...mail1, eventType: 'bounced', rejectReason: 'bounced', mtaResponse: 'smtp; 550 5.1.1 user unknown',
    description: 'Permanent: General', eventId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
    timestamp: new Date('2017-08-05T00:41:02.669Z'), metadata: {} }],
  'ses-event-click.json': [{ ...mail1, eventType: 'clicked', metadata: custom,
    clickUrl: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html', userAgent: expect.stringMatching(/Chrome\/60/) }],
  'ses-event-complaint.json': [{ ...mail1, eventType: 'complained', rejectReason: 'spam', description: 'abuse' }],
  'ses-event-delivery-delay.json': [{ ...mail1, eventType: 'deferred', description: 'TransientCommunicationFailure',
    mtaResponse: 'smtp; 421 4.4.1 Unable to connect to remote host' }],
  'ses-event-delivery.json': [{ ...mail1, eventType: 'delivered', mtaResponse: '250 2.6.0 Message received',
    metadata: { myCustomTag1: 'myCustomTagValue1', myCustomTag2: 'myCustomTagValue2' } }],
  'ses-event-open.json': [{ ...mail1, eventType: 'opened', userAgent: expect.stringMatching(/^Mozilla\/5.0 \(iPhone/),
    timestamp: new Date('2017-08-09T22:00:19.652Z'), metadata: custom }],
  'ses-event-reject.json': [{ ...mail1, recipient: 'sender@example.com', eventType: 'rejected', rejectReason: 'blocked', description: 'Bad content' }],
  'ses-event-rendering-failure.json': [{ ...mail1, eventType: 'failed', rejectReason: 'other',
    description: "Attribute 'attributeName' is not present in the rendering data." }],
  'ses-event-send.json': [{ ...mail1, eventType: 'sent' }],
  'ses-event-subscription.json': [{ messageId: 'EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000',
    recipient: 'recipient@example.com', eventType: 'unsubscribed', rejectReason: 'unsubscribed', description: 'UnsubscribeHeader' }],
  'ses-notification-bounce-with-dsn.json': [{ messageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
    recipient: 'jane@example.com', eventType: 'bounced', mtaResponse: 'smtp; 550 5.1.1 <jane@example.com>... User' }],
  'ses-notification-complaint-with-feedback.json': [{ recipient: 'richard@example.com', eventType: 'complained',
    userAgent: 'AnyCompany Feedback Loop (V0.01)' }],
  'ses-notification-delivery.json': [{ recipient: 'jane@example.com', eventType: 'delivered',
    mtaResponse: '250 ok:  Message 64111812 accepted', timestamp: new Date('2016-01-27T14:59:38.237Z') }],
};
const envelopes = ['sns-notification.json', 'sns-subscription-confirmation.json', 'sns-unsubscribe-confirmation.json'];

describe('SES webhook fixtures (wrapped in SNS notifications signed with a test certificate)', () => {
  it('has a test for every shared example', () => {
    expect(readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort()).toEqual([...Object.keys(expected), ...envelopes].sort());
  });
  for (const [name, want] of Object.entries(expected)) {
    it(`parses ${name}`, async () => {
      const message = signSns(notification(read(name).trim()), keyPem);
      const events = await webhook().parse({ body: JSON.stringify(message), headers: snsHeaders(message) });
      expect(events).toHaveLength(want.length);
      events.forEach((event, i) => {
        expect(event).toMatchObject({ espName: 'Amazon SES', ...want[i] });
        expect(event.espEvent).toEqual(JSON.parse(read(name)));
      });
    });
  }
  it('parses sns-notification.json (a non-SES message) as one unknown event', async () => {
    const fx = JSON.parse(read('sns-notification.json')) as Sns;
    const message = signSns(fx, keyPem);
    const events = await webhook({ now: () => Date.parse(fx.Timestamp!) }).parse({ body: JSON.stringify(message), headers: snsHeaders(message) });
    expect(events).toEqual([expect.objectContaining({ eventType: 'unknown', eventId: fx.MessageId, description: 'My First Message' })]);
  });
  it('gives one event per recipient with distinct event ids', async () => {
    const record = JSON.parse(read('ses-event-delivery.json')) as { delivery: { recipients: string[] } };
    record.delivery.recipients = ['a@example.com', 'b@example.com'];
    const message = signSns(notification(record), keyPem);
    const events = await webhook().parse({ body: JSON.stringify(message), headers: snsHeaders(message) });
    expect(events.map((e) => [e.recipient, e.eventId])).toEqual([['a@example.com', `${message.MessageId}:0`], ['b@example.com', `${message.MessageId}:1`]]);
  });
});

describe('SNS signature verification', () => {
  const record = JSON.parse(read('ses-event-send.json')) as unknown;
  it('accepts SignatureVersion 1 and 2, caching the certificate', async () => {
    const hook = webhook();
    const before = fetchedUrls.length;
    expect((await post(hook, signSns(notification(record), keyPem, '1'))).status).toBe(200);
    expect((await post(hook, signSns(notification(record), keyPem, '2'))).status).toBe(200);
    expect(fetchedUrls.slice(before)).toEqual([CERT_URL]);
  });
  it('refuses a topic outside topicArns before fetching any certificate', async () => {
    const before = fetchedUrls.length;
    const res = await post(webhook(), signSns(notification(record, { TopicArn: 'arn:aws:sns:us-west-2:123456789012:Other' }), keyPem));
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/topicArns/);
    expect(fetchedUrls.length).toBe(before);
  });
  it('never fetches a certificate from a URL that is not https://sns.<region>.amazonaws.com/….pem', async () => {
    const before = fetchedUrls.length;
    for (const url of ['http://sns.us-west-2.amazonaws.com/c.pem', 'https://sns.us-west-2.amazonaws.com.evil.com/c.pem',
      'https://evil.com/sns.us-west-2.amazonaws.com/c.pem', 'https://sns.us-west-2.amazonaws.com/c.txt',
      'https://sns.us-west-2.amazonaws.com:8443/c.pem', 'https://s3.us-west-2.amazonaws.com/c.pem', `${certServer.base}/c.pem`]) {
      expect((await post(webhook(), signSns(notification(record, { SigningCertURL: url }), keyPem))).status, url).toBe(400);
    }
    expect(fetchedUrls.length).toBe(before);
  });
  it('refuses stale messages; acknowledges a redelivered MessageId (200) without delivering it again', async () => {
    const hook = webhook();
    const stale = signSns(notification(record, { Timestamp: new Date(Date.now() - 3601_000).toISOString() }), keyPem);
    expect((await post(hook, stale)).status).toBe(400);
    expect((await post(webhook({ timestampToleranceSeconds: 7200 }), stale)).status).toBe(200);
    const fresh = signSns(notification(record), keyPem);
    const delivered: unknown[] = [];
    const counted = webhook({ onEvent: (event) => void delivered.push(event) });
    expect((await post(counted, fresh)).status).toBe(200);
    const again = await post(counted, fresh);
    expect([again.status, again.body]).toEqual([200, expect.stringMatching(/already processed/)]);
    expect(delivered).toHaveLength(1);
  });
  it('requires the SNS headers to agree with the body', async () => {
    const message = signSns(notification(record), keyPem);
    const { ['x-amz-sns-message-type']: _omit, ...noType } = snsHeaders(message);
    for (const headers of [noType, { ...snsHeaders(message), 'x-amz-sns-topic-arn': 'arn:aws:sns:us-west-2:123456789012:Other' },
      { ...snsHeaders(message), 'x-amz-sns-message-type': 'SubscriptionConfirmation' }, { ...snsHeaders(message), 'x-amz-sns-message-id': 'x' }]) {
      expect((await post(webhook(), message, headers)).status).toBe(400);
    }
  });
  it('answers 503 (SNS retries) when the certificate cannot be fetched, and caches the failure briefly', async () => {
    let calls = 0;
    const hook = webhook({ certificateFetcher: () => (calls++, Promise.reject(new Error('network down'))) });
    const res = await post(hook, signSns(notification(record), keyPem));
    expect([res.status, res.headers?.['Retry-After']]).toEqual([503, '30']);
    expect((await post(hook, signSns(notification(record), keyPem))).status).toBe(503);
    expect(calls).toBe(1);
  });
  it('answers a forged SigningCertURL (no certificate there) 400, fetching it once for any number of forgeries', async () => {
    const missing = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-00000000000000000000000000000000.pem';
    const before = fetchedUrls.length;
    const hook = webhook();
    for (let i = 0; i < 5; i++) {
      const res = await post(hook, signSns(notification(record, { SigningCertURL: missing }), keyPem));
      expect([res.status, res.body]).toEqual([400, expect.stringMatching(/does not hold a signing certificate/)]);
    }
    expect(fetchedUrls.slice(before)).toEqual([missing]);
  });
  it('fetches at most maxFetchesPerMinute new certificate URLs a minute, answering 503 past that', async () => {
    let calls = 0;
    const hook = webhook({ certificateFetcher: () => (calls++, Promise.reject(Object.assign(new Error('404'), { statusCode: 404 }))) });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const url = `https://sns.us-west-2.amazonaws.com/SimpleNotificationService-${i.toString(16).padStart(32, '0')}.pem`;
      statuses.push((await post(hook, signSns(notification(record, { SigningCertURL: url }), keyPem))).status);
    }
    expect(calls).toBe(20);
    expect(statuses).toEqual([...Array(20).fill(400), ...Array(5).fill(503)]);
  });
  it('times a stalled certificate fetch out (503) instead of leaving the request pending', async () => {
    const hook = webhook({ certificateFetcher: () => new Promise<string>(() => undefined), certificateTimeoutMs: 50 });
    const started = Date.now();
    expect((await post(hook, signSns(notification(record), keyPem))).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2000);
  });
  it('never fetches a certificate from another region than the topic\'s, nor for a stale message', async () => {
    const before = fetchedUrls.length;
    const otherRegion = CERT_URL.replace('us-west-2', 'eu-west-1');
    expect((await post(webhook(), signSns(notification(record, { SigningCertURL: otherRegion }), keyPem))).status).toBe(400);
    const staleForgery = notification(record, {
      SigningCertURL: CERT_URL.replace('f3ecfb', '000000'),
      Timestamp: new Date(Date.now() - 7200_000).toISOString(),
    });
    expect((await post(webhook(), signSns(staleForgery, keyPem))).status).toBe(400);
    expect(fetchedUrls.length).toBe(before);
  });
  it('needs topicArns, from the option or SES_TOPIC_ARNS', () => {
    expect(() => trackingWebhook({ env: {} })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ topicArns: [] })).toThrow(/topicArns/);
    expect(() => trackingWebhook({ env: { SES_TOPIC_ARNS: `${TOPIC},arn:aws:sns:eu-west-1:1:T` } })).not.toThrow();
  });
});

describe('SNS subscription confirmation', () => {
  const fx = JSON.parse(read('sns-subscription-confirmation.json')) as Sns;
  const at = { now: () => Date.parse(fx.Timestamp!) };
  it('is not confirmed unless autoConfirmSubscriptions is on', async () => {
    const before = confirmed.length;
    expect((await post(webhook(at), signSns(fx, keyPem))).status).toBe(200);
    expect(confirmed.length).toBe(before);
  });
  it('is confirmed by calling SubscribeURL when enabled and the topic is allowed', async () => {
    const before = confirmed.length;
    const res = await post(webhook({ ...at, autoConfirmSubscriptions: true }), signSns(fx, keyPem));
    expect(res.status).toBe(200);
    expect(confirmed.slice(before)).toEqual([fx.SubscribeURL]);
    expect(certServer.requests).toContain(new URL(fx.SubscribeURL!).pathname + new URL(fx.SubscribeURL!).search);
  });
  it('is refused for a topic outside topicArns, a non-SNS SubscribeURL, or a bad signature', async () => {
    const before = confirmed.length;
    const hook = webhook({ ...at, autoConfirmSubscriptions: true });
    expect((await post(hook, signSns({ ...fx, TopicArn: 'arn:aws:sns:us-west-2:123456789012:Other' }, keyPem))).status).toBe(400);
    expect((await post(hook, signSns({ ...fx, MessageId: 'm2', SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription' }, keyPem))).status).toBe(400);
    expect((await post(hook, { ...signSns({ ...fx, MessageId: 'm3' }, keyPem), Token: 'other' })).status).toBe(400);
    expect(confirmed.length).toBe(before);
  });
  it('sns-unsubscribe-confirmation.json verifies and fires nothing', async () => {
    const un = JSON.parse(read('sns-unsubscribe-confirmation.json')) as Sns;
    const fired: unknown[] = [];
    const hook = webhook({ now: () => Date.parse(un.Timestamp!), onEvent: (e) => fired.push(e) });
    expect((await post(hook, signSns(un, keyPem, '2'))).status).toBe(200);
    expect(fired).toEqual([]);
  });
});

describe('SES webhook over node:http with basic auth', () => {
  let server: Server;
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  it('challenges with 401 first, then accepts the credentials (as SNS does)', async () => {
    const fired: AnymailTrackingEvent[] = [];
    const hook = webhook({ webhookSecret: 'sns:pass', onEvent: (e) => fired.push(e) });
    server = createServer((req, res) => void hook.node(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ses`;
    const message = signSns(notification(JSON.parse(read('ses-event-open.json'))), keyPem);
    const first = await fetch(url, { method: 'POST', body: JSON.stringify(message), headers: snsHeaders(message) });
    expect([first.status, first.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="anymail"']);
    const auth = { authorization: `Basic ${Buffer.from('sns:pass').toString('base64')}` };
    const second = await fetch(url, { method: 'POST', body: JSON.stringify(message), headers: { ...snsHeaders(message), ...auth } });
    expect(second.status).toBe(200);
    expect(fired.map((e) => e.eventType)).toEqual(['opened']);
  });
});
