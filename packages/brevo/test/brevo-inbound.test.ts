import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, inbound, type AnymailInboundEvent } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { inboundWebhook, trackingWebhook } from '../src/index.js';

const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SECRET = 'anymail:s3cret-pass';
const API_KEY = 'xkeysib-test-inbound';
const basic = (cred: string) => `Basic ${Buffer.from(cred).toString('base64')}`;
const headers = (authorization = basic(SECRET)) => ({ 'content-type': 'application/json', authorization });
const PDF = Buffer.from('%PDF-1.4 test');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let esp: FakeEsp;
beforeAll(async () => {
  // Brevo's attachment download (GET /v3/inbound/attachments/{downloadToken}), over real HTTP.
  esp = await startFakeEsp({
    '*': (call) => {
      if (call.headers['api-key'] !== API_KEY) return { status: 401, body: { code: 'unauthorized', message: 'Key not found' } };
      const token = decodeURIComponent(call.path.replace('/v3/inbound/attachments/', ''));
      if (token.includes('aW52b2ljZS5wZGYi')) return { status: 200, headers: { 'content-type': 'application/pdf' }, body: PDF };
      if (token.includes('bG9nby5wbmci')) return { status: 200, headers: { 'content-type': 'image/png' }, body: PNG };
      return { status: 404, body: { code: 'document_not_found', message: 'Attachment not found' } };
    },
  });
});
afterAll(() => esp.close());
const webhook = (extra = {}) => inboundWebhook({ webhookSecret: SECRET, apiKey: API_KEY, apiUrl: `${esp.url}v3/`, env: {}, ...extra });

describe('Brevo inbound items', () => {
  it('builds the message from the item fields and downloads each attachment with the api key', async () => {
    const body = read('inbound/inbound.json');
    const before = esp.calls.length;
    const [event, ...rest] = await webhook().parse({ body, headers: headers() });
    expect(rest).toEqual([]);
    const message = event!.message;
    expect(event).toMatchObject({ eventType: 'inbound', espName: 'Brevo', eventId: 'b6f1a9a4-7a1d-4c5e-9a57-0c4f2d1e8b11', timestamp: undefined });
    expect(event!.espEvent).toEqual((JSON.parse(body) as { items: unknown[] }).items[0]);
    expect(message.from).toMatchObject({ displayName: 'Alice Sender', addrSpec: 'alice@example.org' });
    expect(message.to.map((a) => a.addrSpec)).toEqual(['support@inbound.example.com']);
    expect(message.cc.map((a) => a.addrSpec)).toEqual(['carol@example.org']);
    expect(message.subject).toBe('Re: Your order has shipped');
    expect(message.date).toEqual(new Date('2026-03-20T16:10:00Z'));
    expect(message.messageId).toBe('<CAFmB9q1x2y3z@mail.example.org>');
    expect(message.get('in-reply-to')).toBe('<202603201604.12345678901@smtp-relay.mailin.fr>');
    expect(message.getAll('received')).toHaveLength(2);
    expect(message.text).toBe('Thanks! When will it arrive?\n-- Alice\n\n> Your order has shipped\n');
    expect(message.html).toContain('cid:logo@example.org');
    expect(message.strippedText).toBe('Thanks! When will it arrive?');
    expect(message.strippedSignature).toBe('Alice');
    expect(message.spamScore).toBe(0.4);
    expect(message.envelopeSender).toBe('bounces+alice@example.org');
    expect(message.envelopeRecipient).toBe('support@inbound.example.com');
    expect(message.attachments.map((a) => [a.filename, a.contentType, Buffer.from(a.content).equals(PDF)])).toEqual([
      ['invoice.pdf', 'application/pdf', true],
    ]);
    expect([...message.inlines.keys()]).toEqual(['logo@example.org']);
    expect(Buffer.from(message.inlines.get('logo@example.org')!.content).equals(PNG)).toBe(true);
    const downloads = esp.calls.slice(before);
    expect(downloads.map((call) => [call.method, call.headers['api-key']])).toEqual([['GET', API_KEY], ['GET', API_KEY]]);
    expect(downloads[0]!.path).toBe('/v3/inbound/attachments/eyJmb2xkZXIiOiIyMDI2MDMyMCIsImZpbGVuYW1lIjoiaW52b2ljZS5wZGYifQ');
  });

  it('gives one inbound event per item, in order, each firing the inbound signal', async () => {
    const hook = webhook();
    const seen: string[] = [];
    const receiver = ({ event }: { event: AnymailInboundEvent }) => void seen.push(event.eventId ?? '?');
    inbound.connect(receiver, { sender: hook });
    try {
      const answer = await hook.handle({ body: read('inbound/inbound-two-items.json'), headers: headers() });
      expect(answer.status).toBe(200);
    } finally {
      inbound.disconnect(receiver, { sender: hook });
    }
    expect(seen).toEqual(['0e3c2b6a-1f9d-4a8e-b2c7-5d4e3f2a1b00', '7a7a7a7a-0000-4000-8000-000000000001']);
  });

  it('answers 500 when an attachment cannot be downloaded (Brevo posts again), and delivers nothing', async () => {
    const data = JSON.parse(read('inbound/inbound.json')) as { items: { Attachments: { DownloadToken: string }[] }[] };
    data.items[0]!.Attachments[0]!.DownloadToken = 'unknown-token';
    const fired: unknown[] = [];
    const answer = await webhook({ onEvent: (e: unknown) => fired.push(e) }).handle({ body: JSON.stringify(data), headers: headers() });
    expect([answer.status, fired]).toEqual([500, []]);
    const wrongKey = await webhook({ apiKey: 'xkeysib-wrong' }).handle({ body: read('inbound/inbound.json'), headers: headers() });
    expect(wrongKey.status).toBe(500);
  });

  it('refuses (413) an attachment larger than maxAttachmentBytes without reading it whole, and delivers nothing', async () => {
    const fired: unknown[] = [];
    const answer = await webhook({ maxAttachmentBytes: 4, onEvent: (e: unknown) => fired.push(e) }).handle({ body: read('inbound/inbound.json'), headers: headers() });
    expect([answer.status, fired]).toEqual([413, []]);
    expect(answer.body).toMatch(/maxAttachmentBytes/);
    expect(() => webhook({ maxAttachmentBytes: 0 })).toThrow(/maxAttachmentBytes/);
    const fits = await webhook({ maxAttachmentBytes: PDF.length + PNG.length }).parse({ body: read('inbound/inbound.json'), headers: headers() });
    expect(fits[0]!.message.attachments.length + fits[0]!.message.inlines.size).toBeGreaterThan(0);
  });

  it('with fetchAttachments: false, downloads nothing and needs no api key', async () => {
    const before = esp.calls.length;
    const hook = inboundWebhook({ webhookSecret: SECRET, fetchAttachments: false, env: {} });
    const [event] = await hook.parse({ body: read('inbound/inbound.json'), headers: headers() });
    expect([event!.message.attachments.length, event!.message.inlines.size, esp.calls.length - before]).toEqual([0, 0, 0]);
  });
});

describe('Brevo inbound settings, authentication and routing', () => {
  it('needs an api key (option or BREVO_API_KEY) to download attachments', () => {
    expect(() => inboundWebhook({ webhookSecret: SECRET, env: {} })).toThrow(AnymailConfigurationError);
    expect(() => inboundWebhook({ webhookSecret: SECRET, env: {} })).toThrow(/BREVO_API_KEY/);
    expect(() => inboundWebhook({ webhookSecret: SECRET, env: { BREVO_API_KEY: 'k' } })).not.toThrow();
    expect(() => inboundWebhook({ webhookSecret: SECRET, env: { ANYMAIL_BREVO_API_KEY: 'k' } })).not.toThrow();
  });
  it('refuses a non-positive attachmentTimeoutMs or a fetch that is not a function', () => {
    expect(() => webhook({ attachmentTimeoutMs: 0 })).toThrow(/attachmentTimeoutMs/);
    expect(() => webhook({ fetch: 'no' })).toThrow(/fetch/);
  });
  it('needs webhookSecret or webhookToken', () => {
    expect(() => inboundWebhook({ apiKey: API_KEY, env: {} })).toThrow(/webhookSecret.*webhookToken/s);
  });
  it('accepts a bearer token and refuses others with 401', async () => {
    const hook = webhook({ webhookSecret: undefined, webhookToken: 'inbound-token', fetchAttachments: false });
    expect((await hook.handle({ body: read('inbound/inbound-two-items.json'), headers: headers('Bearer inbound-token') })).status).toBe(200);
    expect((await hook.handle({ body: read('inbound/inbound-two-items.json'), headers: headers('Bearer nope') })).status).toBe(401);
    expect((await hook.handle({ body: read('inbound/inbound-two-items.json'), headers: headers(basic(SECRET)) })).status).toBe(401);
  });
  it('refuses a tracking event posted to the inbound URL, and the other way round (400, naming the right handler)', async () => {
    const tracking = read('webhooks/delivered.json');
    await expect(webhook().parse({ body: tracking, headers: headers() })).rejects.toThrow(/trackingWebhook\(\)/);
    const hook = trackingWebhook({ webhookSecret: SECRET, env: {} });
    await expect(hook.parse({ body: read('inbound/inbound.json'), headers: headers() })).rejects.toThrow(/inboundWebhook\(\)/);
  });
  it('refuses a body without an items array of objects (400)', async () => {
    for (const body of ['{}', '{"items": {}}', '{"items": [1]}', '[]']) {
      expect((await webhook().handle({ body, headers: headers() })).status, body).toBe(400);
    }
  });
});
