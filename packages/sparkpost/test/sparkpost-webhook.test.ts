import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, tracking, type AnymailTrackingEvent } from '@anymail/core';
import { sparkPostEvent, trackingWebhook } from '../src/index.js';

const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SECRET = 'anymail:s3cret-pass';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const headers = (credentials = SECRET) => ({ 'content-type': 'application/json', authorization: basic(credentials) });
const webhook = (extra = {}) => trackingWebhook({ webhookSecret: SECRET, env: {}, ...extra });
const sample = read('webhooks/sample-events-batch.json');

describe('SparkPost tracking events (the sample batch from SparkPost docs)', () => {
  it('maps every event of the batch, in order', async () => {
    const events = await webhook().parse({ body: sample, headers: headers() });
    expect(events.map((event) => [(event.espEvent as { msys: Record<string, { type: string }> }).msys, event.eventType]).map(
      ([msys, type]) => `${Object.values(msys as object)[0].type}:${String(type)}`,
    )).toEqual([
      'bounce:bounced',
      'delivery:delivered',
      'injection:queued',
      'sms_status:unknown',
      'spam_complaint:complained',
      'out_of_band:bounced',
      'policy_rejection:rejected',
      'delay:deferred',
      'click:clicked',
      'open:opened',
      'generation_failure:failed',
      'generation_rejection:rejected',
      'list_unsubscribe:unsubscribed',
      'link_unsubscribe:unsubscribed',
      'relay_injection:unknown',
      'relay_rejection:unknown',
      'relay_delivery:unknown',
      'relay_tempfail:unknown',
      'relay_permfail:unknown',
    ]);
  });

  it('normalizes a bounce: ids as strings, transmission id as message id, campaign as tag, rcpt_meta as metadata', async () => {
    const [bounce] = await webhook().parse({ body: sample, headers: headers() });
    expect(bounce).toMatchObject({
      espName: 'SparkPost',
      eventType: 'bounced',
      rejectReason: 'other', // bounce_class 1: undetermined
      timestamp: new Date(1454442600 * 1000),
      eventId: '92356927693813856',
      messageId: '65832150921904138',
      recipient: 'recipient@example.com',
      tags: ['Example Campaign Name'],
      metadata: { customKey: 'customValue' },
      description: 'MAIL REFUSED - IP (a.b.c.d) is in black list',
      mtaResponse: 'MAIL REFUSED - IP (17.99.99.99) is in black list',
    });
    expect(bounce!.espEvent).toEqual(JSON.parse(sample)[0]);
  });

  it('keeps click url and user agent', async () => {
    const events = await webhook().parse({ body: sample, headers: headers() });
    const click = events.find((event) => event.eventType === 'clicked')!;
    expect(click.clickUrl).toBe('http://example.com');
    expect(click.userAgent).toContain('Mozilla/5.0');
  });

  it('refines bounces by bounce_class', () => {
    const bounce = (bounceClass: string): AnymailTrackingEvent =>
      sparkPostEvent({ eventClass: 'message_event', event: { type: 'bounce', bounce_class: bounceClass }, raw: {} });
    expect([bounce('10').eventType, bounce('10').rejectReason]).toEqual(['bounced', 'invalid']);
    expect([bounce('22').eventType, bounce('22').rejectReason]).toEqual(['deferred', 'other']);
    expect([bounce('51').eventType, bounce('51').rejectReason]).toEqual(['bounced', 'spam']);
    expect([bounce('60').eventType, bounce('60').rejectReason]).toEqual(['autoresponded', undefined]);
    expect([bounce('90').eventType, bounce('90').rejectReason]).toEqual(['unsubscribed', 'unsubscribed']);
    expect([bounce('999').eventType, bounce('999').rejectReason]).toEqual(['bounced', 'other']);
  });

  it('reports initial opens as unknown, or as opened with trackInitialOpenAsOpened (option or env)', async () => {
    const body = JSON.stringify([{ msys: { track_event: { type: 'initial_open', transmission_id: '1' } } }]);
    expect((await webhook().parse({ body, headers: headers() }))[0]!.eventType).toBe('unknown');
    expect((await webhook({ trackInitialOpenAsOpened: true }).parse({ body, headers: headers() }))[0]!.eventType).toBe('opened');
    const fromEnv = webhook({ env: { SPARKPOST_TRACK_INITIAL_OPEN_AS_OPENED: 'true' } });
    expect((await fromEnv.parse({ body, headers: headers() }))[0]!.eventType).toBe('opened');
    expect(() => webhook({ env: { ANYMAIL_SPARKPOST_TRACK_INITIAL_OPEN_AS_OPENED: 'sometimes' } })).toThrow(
      /ANYMAIL_SPARKPOST_TRACK_INITIAL_OPEN_AS_OPENED/,
    );
  });

  it('keeps ids above 2^53 exact when they arrive as bare JSON numbers (read losslessly)', async () => {
    const body = '[{"msys":{"message_event":{"type":"delivery","event_id":92356927693813857,"transmission_id":65832150921904139,"timestamp":1454442600}}}]';
    const [event] = await webhook().parse({ body, headers: headers() });
    expect(event).toMatchObject({ eventId: '92356927693813857', messageId: '65832150921904139', timestamp: new Date(1454442600 * 1000) });
  });

  it('keeps ids above 2^53 exact (they arrive as strings; the body is never re-read as numbers)', async () => {
    const body = '[{"msys":{"message_event":{"type":"delivery","event_id":"9007199254740993123","transmission_id":"9007199254740993"}}}]';
    const [event] = await webhook().parse({ body, headers: headers() });
    expect(event).toMatchObject({ eventId: '9007199254740993123', messageId: '9007199254740993' });
  });
});

describe('SparkPost tracking webhook over the pipeline', () => {
  const received: AnymailTrackingEvent[] = [];
  const receiver = ({ event }: { event: AnymailTrackingEvent }) => void received.push(event);
  afterEach(() => {
    tracking.disconnect(receiver);
    received.length = 0;
  });

  it('answers the validation ping SparkPost posts when a webhook is created with 200 and no events', async () => {
    tracking.connect(receiver);
    const answer = await webhook().handle({ method: 'POST', body: read('webhooks/webhook-validation-ping.json'), headers: headers() });
    expect(answer.status).toBe(200);
    expect(received).toEqual([]);
  });

  it('fires the tracking signal once per event of a batch', async () => {
    tracking.connect(receiver);
    const answer = await webhook().handle({ method: 'POST', body: sample, headers: headers() });
    expect(answer.status).toBe(200);
    expect(received).toHaveLength(19);
  });

  it('refuses wrong basic auth with 401 and fires nothing', async () => {
    tracking.connect(receiver);
    const answer = await webhook().handle({ method: 'POST', body: sample, headers: headers('anymail:wrong') });
    expect(answer.status).toBe(401);
    expect(received).toEqual([]);
  });

  it("accepts the webhook's auth_token (X-MessageSystems-Webhook-Token) as the check instead", async () => {
    const hook = trackingWebhook({ webhookToken: 'tok-123', env: {} });
    const ok = await hook.handle({ method: 'POST', body: sample, headers: { 'content-type': 'application/json', 'x-messagesystems-webhook-token': 'tok-123' } });
    const forged = await hook.handle({ method: 'POST', body: sample, headers: { 'content-type': 'application/json', 'x-messagesystems-webhook-token': 'tok-124' } });
    expect([ok.status, forged.status]).toEqual([200, 401]);
  });

  it('requires webhookSecret (or webhookToken): SparkPost signs nothing', () => {
    expect(() => trackingWebhook({ env: {} })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ env: { ANYMAIL_WEBHOOK_SECRET: SECRET } })).not.toThrow();
  });

  it('refuses bodies that are not a batch of msys items (400)', async () => {
    for (const body of ['{"msys":{}}', '[{"nope":{}}]', '[{"msys":{"a":{},"b":{}}}]', '[{"msys":{"message_event":[]}}]', 'not json']) {
      const answer = await webhook().handle({ method: 'POST', body, headers: headers() });
      expect([body, answer.status]).toEqual([body, 400]);
    }
  });

  it('refuses a relay (inbound) batch posted here, naming the handler to use', async () => {
    const answer = await webhook().handle({ method: 'POST', body: read('inbound/relay-message-batch.json'), headers: headers() });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/inboundWebhook\(\)/);
  });
});
