import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnymailConfigurationError, WebhookRequest, type AnymailTrackingEvent } from '@anymail/core';
import { resendSignedWebhook, trackingWebhook, verifyResendSignature } from '../src/resend-webhook.js';
import { TEST_SIGNING_SECRET, signResend } from './support/resend-sign.js';

const fixtureDir = new URL('./fixtures/webhooks/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtureDir), 'utf8');
const NOW = Date.parse('2024-11-22T23:41:20Z');
const hook = (options: Parameters<typeof trackingWebhook>[0] = {}) =>
  trackingWebhook({ signingSecret: TEST_SIGNING_SECRET, env: {}, now: () => NOW, ...options });
const parseOne = async (body: string) => {
  const request = signResend(body, NOW);
  const events = await hook().parse(request);
  expect(events).toHaveLength(1);
  return { event: events[0]!, id: request.headers['svix-id'] };
};

const common = { espName: 'Resend', messageId: '56761188-7520-42d8-8898-ff6fc54ce618', recipient: 'delivered@resend.dev' };
const expected: Record<string, Partial<AnymailTrackingEvent>> = {
  'email-sent.json': { eventType: 'sent', rejectReason: undefined, timestamp: new Date('2024-02-22T23:41:12.126Z') },
  'email-scheduled.json': { eventType: 'queued' },
  'email-delivered.json': { eventType: 'delivered', timestamp: new Date('2024-02-22T23:41:12.126Z') },
  'email-delivery-delayed.json': { eventType: 'deferred' },
  'email-bounced.json': {
    eventType: 'bounced',
    rejectReason: 'bounced',
    description: "The recipient's email address is on the suppression list because it has a recent history of producing hard bounces.",
  },
  'email-complained.json': { eventType: 'complained', rejectReason: 'spam' },
  'email-opened.json': { eventType: 'opened' },
  'email-opened-with-open-details.json': { eventType: 'opened', userAgent: 'Mozilla/5.0' },
  'email-clicked.json': {
    eventType: 'clicked',
    clickUrl: 'https://resend.com',
    userAgent: expect.stringContaining('Safari/605.1.15') as unknown as string,
  },
  'email-failed.json': { eventType: 'failed', rejectReason: 'other', description: 'reached_daily_quota' },
  'email-suppressed.json': { eventType: 'rejected', rejectReason: 'blocked', description: expect.stringContaining('account-level suppression') as unknown as string },
  'contact-created.json': { eventType: 'unknown', messageId: undefined },
  'contact-updated.json': { eventType: 'unknown', messageId: undefined },
  'contact-deleted.json': { eventType: 'unknown', messageId: undefined },
  'domain-created.json': { eventType: 'unknown', messageId: undefined, recipient: undefined },
  'domain-updated.json': { eventType: 'unknown', messageId: undefined, recipient: undefined },
  'domain-deleted.json': { eventType: 'unknown', messageId: undefined, recipient: undefined },
  'suppression-added.json': { eventType: 'unknown', messageId: undefined },
  'suppression-removed.json': { eventType: 'unknown', messageId: undefined },
};

describe('Resend webhook fixtures', () => {
  it('has an expectation for every shared example', () => {
    const names = readdirSync(fixtureDir).filter((name) => name.endsWith('.json') && !name.startsWith('signed-'));
    expect(names.sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, want] of Object.entries(expected)) {
    it(`parses ${name}`, async () => {
      const { event, id } = await parseOne(read(name));
      const emailEvent = name.startsWith('email-');
      expect(event).toMatchObject({ ...(emailEvent ? common : { espName: 'Resend' }), eventId: id, ...want });
      expect(event.espEvent).toEqual(JSON.parse(read(name)));
    });
  }
});

describe('Resend event mapping', () => {
  const bounced = JSON.parse(read('email-bounced.json')) as { data: Record<string, unknown> };

  it('maps bounce types: Transient is deferred, Undetermined a bounce with reason other; diagnosticCode is the MTA response', async () => {
    const transient = { ...bounced, data: { ...bounced.data, bounce: { type: 'Transient', subType: 'General', message: 'try later', diagnosticCode: ['smtp; 450 4.2.2 mailbox full'] } } };
    expect((await parseOne(JSON.stringify(transient))).event).toMatchObject({ eventType: 'deferred', rejectReason: 'other', mtaResponse: 'smtp; 450 4.2.2 mailbox full' });
    const undetermined = { ...bounced, data: { ...bounced.data, bounce: { type: 'Undetermined' } } };
    expect((await parseOne(JSON.stringify(undetermined))).event).toMatchObject({ eventType: 'bounced', rejectReason: 'other' });
  });

  it('maps a suppression for a previous complaint to reason spam', async () => {
    const suppressed = JSON.parse(read('email-suppressed.json')) as { data: Record<string, unknown> };
    const body = { ...suppressed, data: { ...suppressed.data, suppressed: { type: 'Suppressed', reason: 'previous_complaint' } } };
    expect((await parseOne(JSON.stringify(body))).event).toMatchObject({ eventType: 'rejected', rejectReason: 'spam' });
  });

  it("reads Anymail's tags and metadata back from the X-Tags and X-Metadata headers Resend echoes", async () => {
    const opened = JSON.parse(read('email-opened-with-open-details.json')) as { data: Record<string, unknown> };
    const headers = [
      { name: 'X-Metadata', value: JSON.stringify({ user_id: '12345', n: 2 }) },
      { name: 'x-tags', value: JSON.stringify(['welcome', 'onboarding']) },
    ];
    const { event } = await parseOne(JSON.stringify({ ...opened, data: { ...opened.data, headers } }));
    expect(event).toMatchObject({ metadata: { user_id: '12345', n: 2 }, tags: ['welcome', 'onboarding'] });
  });

  it('ignores X-Tags / X-Metadata headers that are not the JSON Anymail writes', async () => {
    const opened = JSON.parse(read('email-opened-with-open-details.json')) as { data: Record<string, unknown> };
    const headers = [{ name: 'X-Metadata', value: 'not json' }, { name: 'X-Tags', value: '{"a":1}' }];
    const { event } = await parseOne(JSON.stringify({ ...opened, data: { ...opened.data, headers } }));
    expect(event).toMatchObject({ metadata: {}, tags: [] });
  });

  it('refuses an email.received event (400 naming inboundWebhook) and a body that is not an event object', async () => {
    const received = readFileSync(new URL('./fixtures/inbound/email-received.json', import.meta.url), 'utf8');
    await expect(hook().parse(signResend(received, NOW))).rejects.toThrow(/inboundWebhook\(\)/);
    const answer = await hook().handle(signResend('[{"type":"email.sent"}]', NOW));
    expect(answer.status).toBe(400);
  });
});

describe('Resend webhook signature (Svix)', () => {
  const vector = JSON.parse(read('signed-standard-webhooks-vector.json')) as { secret: string; headers: Record<string, string>; rawBody: string };
  const atVector = Number(vector.headers['svix-timestamp']) * 1000;
  const verify = (body: string, headers: Record<string, string>, secret: string | string[] = vector.secret) =>
    verifyResendSignature(resendSignedWebhook({ signingSecret: secret, env: {}, now: () => atVector }, 'tracking'), new WebhookRequest({ body: Buffer.from(body), headers }));

  it("verifies the Standard Webhooks test vector (Resend's SDKs verify with the same library)", async () => {
    await expect(verify(vector.rawBody, vector.headers)).resolves.toBeUndefined();
  });

  it('refuses the vector once its body is re-serialized (the raw bytes are signed)', async () => {
    await expect(verify(JSON.stringify(JSON.parse(vector.rawBody)), vector.headers)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('accepts any matching v1 entry and any configured secret (rotation)', async () => {
    const headers = { ...vector.headers, 'svix-signature': `v1,${Buffer.alloc(32).toString('base64')} ${vector.headers['svix-signature']}` };
    await expect(verify(vector.rawBody, headers, [TEST_SIGNING_SECRET, vector.secret])).resolves.toBeUndefined();
  });

  it('accepts the Standard Webhooks header names (webhook-id, -timestamp, -signature)', async () => {
    const headers = Object.fromEntries(Object.entries(vector.headers).map(([name, value]) => [name.replace('svix-', 'webhook-'), value]));
    await expect(verify(vector.rawBody, headers)).resolves.toBeUndefined();
  });

  it('refuses a timestamp more than 5 minutes away; acknowledges a redelivery of the same svix-id without delivering it again', async () => {
    const body = read('email-sent.json');
    await expect(hook().parse(signResend(body, NOW - 301_000))).rejects.toThrow(/outside the allowed window/);
    await expect(hook().parse(signResend(body, NOW + 301_000))).rejects.toThrow(/outside the allowed window/);
    const delivered: unknown[] = [];
    const webhook = hook({ onEvent: (event) => void delivered.push(event) });
    const request = signResend(body, NOW - 10_000);
    expect((await webhook.handle(request)).status).toBe(200);
    expect(await webhook.handle(request)).toMatchObject({ status: 200, body: expect.stringMatching(/already processed/) });
    // Svix signs each attempt anew: same svix-id, a later timestamp.
    const resigned = signResend(body, NOW, TEST_SIGNING_SECRET, request.headers['svix-id']);
    expect(await webhook.handle(resigned)).toMatchObject({ status: 200, body: expect.stringMatching(/already processed/) });
    expect(delivered).toHaveLength(1);
  });
});

describe('Resend webhook settings', () => {
  it('needs signingSecret or webhookSecret', () => {
    expect(() => trackingWebhook({ env: {} })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ env: {} })).toThrow(/signingSecret \(env RESEND_SIGNING_SECRET\) or webhookSecret/);
  });

  it('refuses a signing secret that is not whsec_ base64', () => {
    expect(() => trackingWebhook({ signingSecret: 'my webhook password', env: {} })).toThrow(/whsec_/);
    expect(() => trackingWebhook({ signingSecret: 'whsec_c2hvcnQ=', env: {} })).toThrow(/whsec_/);
  });

  it('reads RESEND_SIGNING_SECRET and ANYMAIL_RESEND_SIGNING_SECRET from the environment', async () => {
    for (const name of ['RESEND_SIGNING_SECRET', 'ANYMAIL_RESEND_SIGNING_SECRET']) {
      const webhook = trackingWebhook({ env: { [name]: TEST_SIGNING_SECRET }, now: () => NOW });
      expect(await webhook.parse(signResend(read('email-sent.json'), NOW))).toHaveLength(1);
    }
  });

  it('with only webhookSecret, basic auth is the check', async () => {
    const webhook = trackingWebhook({ webhookSecret: 'anymail:pass', env: {} });
    const body = read('email-sent.json');
    const auth = `Basic ${Buffer.from('anymail:pass').toString('base64')}`;
    expect(await webhook.parse({ body, headers: { 'content-type': 'application/json', authorization: auth } })).toHaveLength(1);
    expect((await webhook.handle({ body, headers: { 'content-type': 'application/json' } })).status).toBe(401);
  });
});
