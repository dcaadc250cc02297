import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnymailConfigurationError, AnymailError, type AnymailTrackingEvent } from '@anymail/core';
import { trackingWebhook } from '../src/mailersend-webhook.js';
import { MAILERSEND_ACTIVITY_TYPES } from '../src/mailersend-event-map.js';

const read = (name: string) => readFileSync(new URL(`./fixtures/webhooks/${name}`, import.meta.url), 'utf8');
const SECRET = 'test-signing-secret-0123456789ab';
const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const signed = (body: string, secret = SECRET) => ({ body, headers: { 'content-type': 'application/json', signature: sign(body, secret) } });
const hook = trackingWebhook({ signingSecret: SECRET, env: {} });
const parseOne = async (body: string) => {
  const events = await hook.parse(signed(body));
  expect(events).toHaveLength(1);
  return events[0]!;
};

describe('MailerSend signed example (official SDK fixture)', () => {
  const example = JSON.parse(read('signed-activity-sent-legacy.json')) as { secret: string; headers: { Signature: string }; rawBody: string };

  it('verifies the published signature over the raw body and maps the older payload shape', async () => {
    const webhook = trackingWebhook({ signingSecret: example.secret, env: {} });
    const events = await webhook.parse({ body: example.rawBody, headers: { 'Content-Type': 'application/json', ...example.headers } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      espName: 'MailerSend',
      eventType: 'sent',
      eventId: '631a6250bd4f6bd6844a2307',
      messageId: '631a6250bd4f6bd6844a2307',
      recipient: 'test@test.com',
      timestamp: new Date('2022-09-08T20:06:12.051Z'),
      tags: [],
      rejectReason: undefined,
    } satisfies Partial<AnymailTrackingEvent>);
    expect(events[0]!.espEvent).toEqual(JSON.parse(example.rawBody));
  });

  it('refuses the example once re-serialized (MailerSend escapes "/" as "\\/": the raw bytes are what is signed)', async () => {
    const webhook = trackingWebhook({ signingSecret: example.secret, env: {} });
    const reserialized = JSON.stringify(JSON.parse(example.rawBody));
    expect(reserialized).not.toBe(example.rawBody);
    const answer = await webhook.handle({ body: reserialized, headers: { 'content-type': 'application/json', ...example.headers } });
    expect([answer.status, answer.body]).toEqual([400, expect.stringMatching(/signature is missing or invalid.*signingSecret/)]);
  });

  it('also reads the signature from x-mailersend-signature (the name in MailerSend\'s Node SDK README)', async () => {
    const webhook = trackingWebhook({ signingSecret: example.secret, env: {} });
    expect((await webhook.handle({ body: example.rawBody, headers: { 'x-mailersend-signature': example.headers.Signature } })).status).toBe(200);
    expect((await webhook.handle({ body: example.rawBody, headers: { 'x-mailersend-signature': sign(example.rawBody) } })).status).toBe(400);
  });

  it('accepts an upper-case hex spelling, and any of several secrets (rotation)', async () => {
    const webhook = trackingWebhook({ signingSecret: ['old-secret', example.secret], env: {} });
    const answer = await webhook.handle({ body: example.rawBody, headers: { signature: example.headers.Signature.toUpperCase() } });
    expect(answer.status).toBe(200);
  });
});

describe('MailerSend current payload shape', () => {
  it('maps delivered: message id = the send response X-Message-Id, tags, recipient', async () => {
    expect(await parseOne(read('activity-delivered.json'))).toMatchObject({
      eventType: 'delivered',
      eventId: '6728c30e7b4d1f0a2c3e5b71',
      messageId: '6728c30b94808450972a2cb5',
      recipient: 'recipient@example.com',
      tags: ['shipping', 'order'],
      timestamp: new Date('2025-11-03T09:15:02Z'),
      metadata: {},
    });
  });
  it('maps hard_bounced with the bounce reason and code', async () => {
    expect(await parseOne(read('activity-hard-bounced.json'))).toMatchObject({
      eventType: 'bounced',
      rejectReason: 'bounced',
      recipient: 'nobody@example.com',
      description: '550 5.1.1 The email account that you tried to reach does not exist.',
      mtaResponse: '550',
    });
  });
  it('maps clicked with url and user agent', async () => {
    expect(await parseOne(read('activity-clicked.json'))).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'https://www.example.com/track?order=12345',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
    });
  });
  it('maps spam_complaint to complained/spam', async () => {
    expect(await parseOne(read('activity-spam-complaint.json'))).toMatchObject({ eventType: 'complained', rejectReason: 'spam' });
  });
  it('maps every documented activity type', async () => {
    const base = JSON.parse(read('activity-delivered.json')) as { type: string; data: { type: string } };
    for (const [type, [eventType, rejectReason]] of Object.entries(MAILERSEND_ACTIVITY_TYPES)) {
      const event = await parseOne(JSON.stringify({ ...base, type: `activity.${type}`, data: { ...base.data, type } }));
      expect([type, event.eventType, event.rejectReason]).toEqual([type, eventType, rejectReason]);
    }
  });
  it('gives an unknown event (not a refusal) for a new activity type and for account notices', async () => {
    const base = JSON.parse(read('activity-delivered.json')) as { data: object };
    expect((await parseOne(JSON.stringify({ ...base, type: 'activity.teleported', data: { ...base.data, type: 'teleported' } }))).eventType).toBe('unknown');
    const notice = await parseOne(JSON.stringify({ type: 'bulk_email.completed', created_at: '2025-11-03T09:15:02Z', data: { id: 'b1', state: 'completed' } }));
    expect(notice).toMatchObject({ eventType: 'unknown', eventId: 'b1' });
  });
  it('answers the test ping with 200 and no event', async () => {
    const delivered: AnymailTrackingEvent[] = [];
    const webhook = trackingWebhook({ signingSecret: SECRET, env: {}, onEvent: (event) => void delivered.push(event) });
    const answer = await webhook.handle(signed(JSON.stringify({ type: 'webhook.test', data: {} })));
    expect([answer.status, delivered]).toEqual([200, []]);
  });
});

describe('MailerSend tracking webhook checks', () => {
  it('refuses an inbound route post sent to the tracking URL, naming the setting to fix', async () => {
    const inbound = readFileSync(new URL('./fixtures/inbound/inbound-message.json', import.meta.url), 'utf8');
    const answer = await hook.handle(signed(inbound));
    expect([answer.status, answer.body]).toEqual([400, expect.stringMatching(/inbound route.*inboundWebhook\(\)/)]);
  });
  it('refuses a body signed with the inbound secret', async () => {
    await expect(hook.parse(signed(read('activity-delivered.json'), 'the-inbound-route-secret'))).rejects.toSatisfy(
      (error) => AnymailError.isInstance(error) && error.code === 'ANYMAIL_WEBHOOK_VALIDATION_FAILURE',
    );
  });
  it('needs a signing secret, and reads it from MAILERSEND_SIGNING_SECRET', async () => {
    expect(() => trackingWebhook({ env: {} })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ env: {} })).toThrow(/signingSecret.*MAILERSEND_SIGNING_SECRET|MAILERSEND_SIGNING_SECRET/);
    const fromEnv = trackingWebhook({ env: { MAILERSEND_SIGNING_SECRET: SECRET } });
    expect(await fromEnv.parse(signed(read('activity-delivered.json')))).toHaveLength(1);
    const fromAnymailEnv = trackingWebhook({ env: { ANYMAIL_MAILERSEND_SIGNING_SECRET: `other,${SECRET}` } });
    expect(await fromAnymailEnv.parse(signed(read('activity-delivered.json')))).toHaveLength(1);
  });
  it('also checks basic auth when webhookSecret is set', async () => {
    const webhook = trackingWebhook({ signingSecret: SECRET, webhookSecret: 'user:pass', env: {} });
    expect((await webhook.handle(signed(read('activity-delivered.json')))).status).toBe(401);
  });
});
