import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, inbound, type AnymailInboundEvent } from '@anymail/core';
import { inboundWebhook } from '../src/index.js';

const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SECRET = 'anymail:relay-pass';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const headers = (credentials = SECRET) => ({ 'content-type': 'application/json', authorization: basic(credentials) });
const webhook = (extra = {}) => inboundWebhook({ webhookSecret: SECRET, env: {}, ...extra });
const batch = read('inbound/relay-message-batch.json');

type RelayItem = { msys: { relay_message: { content: Record<string, unknown>; rcpt_to: string; msg_from: string } } };

const RAW_WITH_ATTACHMENT = [
  'From: "Ann Sender" <ann@example.org>',
  'To: inbox@relay.example.com',
  'Cc: carol@example.org',
  'Subject: =?utf-8?q?Caf=C3=A9?= plans',
  'Date: Fri, 04 Dec 2026 10:00:00 +0000',
  'Message-ID: <abc@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'See attached.',
  '--b1',
  'Content-Type: text/csv; name="data.csv"',
  'Content-Disposition: attachment; filename="data.csv"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('a,b\n1,2\n').toString('base64'),
  '--b1--',
  '',
].join('\r\n');

function relayBatch(content: Record<string, unknown>, count = 1): string {
  const item = JSON.parse(batch)[0] as RelayItem;
  item.msys.relay_message.content = { ...item.msys.relay_message.content, ...content };
  return JSON.stringify(Array.from({ length: count }, () => item));
}

describe('SparkPost relay_message (inbound)', () => {
  it('parses the raw message of the docs example; envelope from msg_from / rcpt_to', async () => {
    const [event] = await webhook().parse({ body: batch, headers: headers() });
    const message = event!.message;
    expect(event).toMatchObject({ eventType: 'inbound', espName: 'SparkPost', eventId: undefined, timestamp: undefined });
    expect(event!.espEvent).toEqual(JSON.parse(batch)[0]);
    // The raw source wins over SparkPost's parsed fields (its example's "subject" differs from the raw one).
    expect(message.subject).toBe('Relay webhooks rawk!');
    expect(message.from).toMatchObject({ addrSpec: 'me@here.com' });
    expect(message.to.map((address) => address.addrSpec)).toEqual(['you@there.com']);
    expect(message.text).toBe('Hi there SparkPostians.\n');
    expect(message.html).toContain('<strong>SparkPostians</strong>');
    expect(message.envelopeSender).toBe('me@here.com');
    expect(message.envelopeRecipient).toBe('you@there.com');
    expect(message.messageId).toBe('<484810298443-112311-xqxbby@mail.there.com>');
  });

  it('decodes email_rfc822 when email_rfc822_is_base64 is true; attachments and cc from the MIME', async () => {
    const body = relayBatch({ email_rfc822: Buffer.from(RAW_WITH_ATTACHMENT).toString('base64'), email_rfc822_is_base64: true });
    const [event] = await webhook().parse({ body, headers: headers() });
    const message = event!.message;
    expect(message.subject).toBe('Café plans');
    expect(message.cc.map((address) => address.addrSpec)).toEqual(['carol@example.org']);
    expect(message.attachments.map((attachment) => [attachment.filename, attachment.contentType])).toEqual([['data.csv', 'text/csv']]);
    expect(Buffer.from(message.attachments[0]!.content).toString()).toBe('a,b\n1,2\n');
  });

  it('gives one event per relay_message of a batch', async () => {
    const events = await webhook().parse({ body: relayBatch({}, 3), headers: headers() });
    expect(events).toHaveLength(3);
  });

  it('refuses a relay_message without the raw message (400)', async () => {
    const answer = await webhook().handle({ method: 'POST', body: relayBatch({ email_rfc822: undefined }), headers: headers() });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/email_rfc822/);
  });
});

describe('SparkPost inbound webhook over the pipeline', () => {
  const received: AnymailInboundEvent[] = [];
  const receiver = ({ event }: { event: AnymailInboundEvent }) => void received.push(event);
  afterEach(() => {
    inbound.disconnect(receiver);
    received.length = 0;
  });

  it('fires the inbound signal per message and answers 200', async () => {
    inbound.connect(receiver);
    const answer = await webhook().handle({ method: 'POST', body: relayBatch({}, 2), headers: headers() });
    expect(answer.status).toBe(200);
    expect(received.map((event) => event.message.subject)).toEqual(['Relay webhooks rawk!', 'Relay webhooks rawk!']);
  });

  it('refuses wrong credentials (401) and fires nothing', async () => {
    inbound.connect(receiver);
    const answer = await webhook().handle({ method: 'POST', body: batch, headers: headers('anymail:nope') });
    expect(answer.status).toBe(401);
    expect(received).toEqual([]);
  });

  it('requires webhookSecret (credentials in the relay webhook target URL)', () => {
    expect(() => inboundWebhook({ env: {} })).toThrow(AnymailConfigurationError);
  });

  it('refuses tracking events posted here (400), naming trackingWebhook()', async () => {
    const answer = await webhook().handle({ method: 'POST', body: read('webhooks/sample-events-batch.json'), headers: headers() });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/trackingWebhook\(\)/);
  });
});

describe("SparkPost relay webhook's auth_token (X-MessageSystems-Webhook-Token)", () => {
  const TOKEN = 'relay-token-1234567890';
  const tokenHeaders = (token = TOKEN) => ({ 'content-type': 'application/json', 'x-messagesystems-webhook-token': token });

  it('accepts the relay webhook auth_token instead of basic auth', async () => {
    const answer = await inboundWebhook({ webhookToken: TOKEN, env: {} }).handle({ method: 'POST', body: batch, headers: tokenHeaders() });
    expect(answer.status).toBe(200);
  });

  it('refuses a wrong or missing token (401)', async () => {
    const hook = inboundWebhook({ webhookToken: TOKEN, env: {} });
    expect((await hook.handle({ method: 'POST', body: batch, headers: tokenHeaders('nope') })).status).toBe(401);
    expect((await hook.handle({ method: 'POST', body: batch, headers: { 'content-type': 'application/json' } })).status).toBe(401);
  });

  it('takes the token from SPARKPOST_WEBHOOK_TOKEN, and requires both checks when both are set', async () => {
    const hook = inboundWebhook({ webhookSecret: SECRET, env: { SPARKPOST_WEBHOOK_TOKEN: TOKEN } });
    expect((await hook.handle({ method: 'POST', body: batch, headers: { ...headers(), 'x-messagesystems-webhook-token': TOKEN } })).status).toBe(200);
    expect((await hook.handle({ method: 'POST', body: batch, headers: headers() })).status).toBe(401);
    expect((await hook.handle({ method: 'POST', body: batch, headers: tokenHeaders() })).status).toBe(401);
  });

  it('needs webhookSecret or webhookToken', () => {
    expect(() => inboundWebhook({ env: {} })).toThrow(/webhookSecret.*webhookToken|webhookToken.*webhookSecret/);
  });
});
