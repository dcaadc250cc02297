import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnymailConfigurationError, inbound, type AnymailInboundEvent } from '@anymail/core';
import { inboundWebhook } from '../src/resend-inbound.js';
import { TEST_SIGNING_SECRET, signResend } from './support/resend-sign.js';

const body = readFileSync(new URL('./fixtures/inbound/email-received.json', import.meta.url), 'utf8');
const NOW = Date.parse('2024-02-22T23:41:20Z');
const hook = () => inboundWebhook({ signingSecret: TEST_SIGNING_SECRET, env: {}, now: () => NOW });

describe('Resend inbound (email.received)', () => {
  it('maps the documented example: addresses, subject, Message-ID, envelope recipient, svix-id as event id', async () => {
    const request = signResend(body, NOW);
    const [event] = await hook().parse(request);
    expect(event).toMatchObject({ eventType: 'inbound', espName: 'Resend', eventId: request.headers['svix-id'], timestamp: new Date('2024-02-22T23:41:11.894Z') });
    const message = event!.message;
    expect(message.from).toMatchObject({ addrSpec: 'onboarding@resend.dev', displayName: 'Acme' });
    expect(message.to.map((address) => address.addrSpec)).toEqual(['delivered@resend.dev']);
    expect(message.cc).toEqual([]);
    expect(message.subject).toBe('Sending this example');
    expect(message.messageId).toBe('<example+123>');
    expect(message.envelopeRecipient).toBe('forwarded@example.com');
  });

  it('has no body or attachment bytes (Resend posts metadata only); the attachment ids stay in espEvent', async () => {
    const [event] = await hook().parse(signResend(body, NOW));
    expect(event!.message.text).toBeUndefined();
    expect(event!.message.html).toBeUndefined();
    expect(event!.message.attachments).toEqual([]);
    const data = (event!.espEvent as { data: { email_id: string; attachments: { id: string }[] } }).data;
    expect(data.email_id).toBe('56761188-7520-42d8-8898-ff6fc54ce618');
    expect(data.attachments[0]!.id).toBe('2a0c9ce0-3112-4728-976e-47ddcd16a318');
  });

  it('fires the inbound signal once per authentic post', async () => {
    const seen: AnymailInboundEvent[] = [];
    const receiver = ({ event }: { event: AnymailInboundEvent }) => void seen.push(event);
    inbound.connect(receiver);
    try {
      expect((await hook().handle(signResend(body, NOW))).status).toBe(200);
    } finally {
      inbound.disconnect(receiver);
    }
    expect(seen).toHaveLength(1);
  });

  it('refuses a tracking event (400 naming trackingWebhook) and a forged signature', async () => {
    const sent = readFileSync(new URL('./fixtures/webhooks/email-sent.json', import.meta.url), 'utf8');
    await expect(hook().parse(signResend(sent, NOW))).rejects.toThrow(/trackingWebhook\(\)/);
    const forged = signResend(body, NOW, `whsec_${Buffer.from('not-the-resend-signing-secret!!!').toString('base64')}`);
    expect((await hook().handle(forged)).status).toBe(400);
  });

  it('needs signingSecret or webhookSecret', () => {
    expect(() => inboundWebhook({ env: {} })).toThrow(AnymailConfigurationError);
  });
});
