import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, inbound, type AnymailInboundEvent } from '@anymail/core';
import { inboundWebhook } from '../src/mailersend-inbound.js';

const SECRET = 'test-inbound-route-secret-abcdef';
const fixture = readFileSync(new URL('./fixtures/inbound/inbound-message.json', import.meta.url), 'utf8');
const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const signed = (body: string, secret = SECRET) => ({ body, headers: { 'content-type': 'application/json', signature: sign(body, secret) } });

describe('MailerSend inbound', () => {
  const receivers: ((args: { event: AnymailInboundEvent }) => void)[] = [];
  afterEach(() => {
    for (const receiver of receivers.splice(0)) inbound.disconnect(receiver);
  });

  it('parses data.raw, with the envelope from sender / rcptTo, and fires the inbound signal', async () => {
    const seen: AnymailInboundEvent[] = [];
    const receiver = ({ event }: { event: AnymailInboundEvent }) => void seen.push(event);
    receivers.push(receiver);
    inbound.connect(receiver);
    const answer = await inboundWebhook({ inboundSecret: SECRET, env: {} }).handle(signed(fixture));
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(1);
    const event = seen[0]!;
    expect(event).toMatchObject({ espName: 'MailerSend', eventType: 'inbound', eventId: '672a08c3a9b8c7d6e5f40312', timestamp: new Date('2025-11-05T12:00:02Z') });
    const message = event.message;
    expect(message.envelopeSender).toBe('bounces+abc@example.org');
    expect(message.envelopeRecipient).toBe('support@inbound.example.com');
    expect(message.subject).toBe('Question about order 12345');
    expect(message.from?.addrSpec).toBe('sender@example.org');
    expect(message.text?.trim()).toBe('Hello, where is my order?');
    expect(message.html).toContain('<b>order</b>');
    expect(message.attachments.map((part) => [part.filename, Buffer.from(part.content).toString()])).toEqual([['receipt.txt', 'Order 12345']]);
    expect(event.espEvent).toEqual(JSON.parse(fixture));
  });

  it('puts the message together from the parsed fields when data.raw is missing', async () => {
    const post = JSON.parse(fixture) as { data: Record<string, unknown> };
    delete post.data.raw;
    const [event] = await inboundWebhook({ inboundSecret: SECRET, env: {} }).parse(signed(JSON.stringify(post)));
    expect(event!.message.subject).toBe('Question about order 12345');
    expect(event!.message.from?.addrSpec).toBe('sender@example.org');
    expect(event!.message.text?.trim()).toBe('Hello, where is my order?');
  });

  it('refuses an activity post sent to the inbound URL, naming the setting to fix', async () => {
    const activity = readFileSync(new URL('./fixtures/webhooks/activity-delivered.json', import.meta.url), 'utf8');
    const answer = await inboundWebhook({ inboundSecret: SECRET, env: {} }).handle(signed(activity));
    expect([answer.status, answer.body]).toEqual([400, expect.stringMatching(/activity webhook.*trackingWebhook\(\)/)]);
  });

  it('refuses a post signed with the activity webhook secret', async () => {
    const answer = await inboundWebhook({ inboundSecret: SECRET, env: {} }).handle(signed(fixture, 'the-activity-webhook-secret'));
    expect([answer.status, answer.body]).toEqual([400, expect.stringMatching(/inboundSecret/)]);
  });

  it('needs the inbound secret, from the option or MAILERSEND_INBOUND_SECRET (not the signing secret)', async () => {
    expect(() => inboundWebhook({ env: { MAILERSEND_SIGNING_SECRET: SECRET } })).toThrow(AnymailConfigurationError);
    const fromEnv = inboundWebhook({ env: { MAILERSEND_INBOUND_SECRET: SECRET } });
    expect(await fromEnv.parse(signed(fixture))).toHaveLength(1);
  });
});
