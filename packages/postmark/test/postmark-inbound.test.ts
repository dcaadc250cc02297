import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnymailConfigurationError, type AnymailInboundEvent } from '@anymail/core';
import { inboundWebhook, trackingWebhook } from '../src/index.js';

const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SECRET = 'anymail:s3cret-pass';
const basic = (cred: string) => `Basic ${Buffer.from(cred).toString('base64')}`;
const headers = (cred = SECRET) => ({ 'content-type': 'application/json', authorization: basic(cred) });
const webhook = (extra = {}) => inboundWebhook({ webhookSecret: SECRET, ...extra });

describe('Postmark inbound fixtures', () => {
  it('builds the message from the JSON fields (docs example)', async () => {
    const body = read('inbound/inbound.json');
    const [event] = await webhook().parse({ body, headers: headers() });
    const message = event!.message;
    expect(event).toMatchObject({ eventType: 'inbound', espName: 'Postmark', eventId: '73e6d360-66eb-11e1-8e72-a8206ea7d3ea' });
    expect(event!.espEvent).toEqual(JSON.parse(body));
    expect(message.from).toMatchObject({ displayName: 'John Doe', addrSpec: 'john@example.com' });
    expect(message.to.map((a) => a.addrSpec)).toEqual(['support+ticket-456@yourdomain.com']);
    expect(message.cc).toEqual([]);
    expect(message.subject).toBe('Re: Issue with my order');
    expect(message.date).toEqual(new Date('2025-04-05T14:59:01Z'));
    expect(message.messageId).toBe('<CAExample123@mail.example.com>');
    expect(message.getAll('received')).toEqual(['by mx.postmarkapp.com ...']);
    expect(message.text).toBe("I still haven't received my order.");
    expect(message.html).toBe("<p>I still haven't received my order.</p>");
    expect(message.strippedText).toBe("I still haven't received my order.");
    expect(message.envelopeRecipient).toBe('support+ticket-456@yourdomain.com');
    expect(message.attachments.map((a) => [a.filename, a.contentType])).toEqual([['screenshot.png', 'image/png']]);
    expect(message.inlines.size).toBe(0);
    expect(message.spamScore).toBeUndefined();
    expect(message.asString()).toContain('Subject: Re: Issue with my order');
  });

  it('uses RawEmail when "include raw email content" is on; spam from the SpamAssassin headers', async () => {
    const data = JSON.parse(read('inbound/inbound-raw-email.json')) as { RawEmail: string };
    const [event] = await webhook().parse({ body: JSON.stringify(data), headers: headers() });
    const message = event!.message;
    expect(message.asString()).toBe(data.RawEmail);
    expect(message.envelopeSender).toBe('john@example.com');
    expect(message.spamDetected).toBe(false);
    expect(message.spamScore).toBe(-0.1);
    expect(message.attachments[0]).toMatchObject({ filename: 'screenshot.png', contentType: 'image/png' });
    expect(message.attachments[0]!.content.byteLength).toBe(70);
    expect(message.strippedText).toBe("I still haven't received my order.");
  });

  it('maps inline attachments (ContentID) to inlines', async () => {
    const data = JSON.parse(read('inbound/inbound.json')) as { Attachments: { ContentID: string }[]; HtmlBody: string };
    data.Attachments[0]!.ContentID = 'logo@example.com';
    data.HtmlBody = '<img src="cid:logo@example.com">';
    const [event] = await webhook().parse({ body: JSON.stringify(data), headers: headers() });
    expect([...event!.message.inlines.keys()]).toEqual(['logo@example.com']);
    expect(event!.message.attachments).toEqual([]);
  });
});

describe('Postmark inbound authentication and routing', () => {
  it('requires webhookSecret (basic auth is the only check)', () => {
    expect(() => inboundWebhook({ env: {} })).toThrow(AnymailConfigurationError);
  });

  it('refuses missing or wrong credentials with 401 and fires nothing', async () => {
    const fired: AnymailInboundEvent[] = [];
    const hook = webhook({ onEvent: (event: AnymailInboundEvent) => fired.push(event) });
    const body = read('inbound/inbound.json');
    expect((await hook.handle({ body, headers: headers('anymail:wrong') })).status).toBe(401);
    expect((await hook.handle({ body, headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect(fired).toEqual([]);
    expect((await hook.handle({ body, headers: headers() })).status).toBe(200);
    expect(fired).toHaveLength(1);
  });

  it('a tracking event on the inbound URL is a 400 naming trackingWebhook()', async () => {
    const answer = await webhook().handle({ body: read('webhooks/delivery.json'), headers: headers() });
    expect(answer).toMatchObject({ status: 400, body: expect.stringMatching(/tracking event.*trackingWebhook\(\)/) });
  });

  it('an inbound message on the tracking URL is a 400 naming inboundWebhook()', async () => {
    const answer = await trackingWebhook({ webhookSecret: SECRET }).handle({ body: read('inbound/inbound.json'), headers: headers() });
    expect(answer).toMatchObject({ status: 400, body: expect.stringMatching(/inbound message.*inboundWebhook\(\)/) });
  });
});

describe('Postmark inbound: a 25 MB attachment with "include raw email content" on', () => {
  it('arrives whole through node:http with the handler mounted as `void webhook.node(req, res)`', async () => {
    const { createServer, request } = await import('node:http');
    const attachment = Buffer.alloc(25 * 1024 * 1024, 7);
    const base64 = attachment.toString('base64');
    const data = JSON.parse(read('inbound/inbound.json')) as Record<string, unknown>;
    data.Attachments = [{ Name: 'big.bin', Content: base64, ContentType: 'application/octet-stream', ContentLength: attachment.length, ContentID: '' }];
    data.RawEmail = [
      'From: John Doe <john@example.com>', 'Subject: big', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'see attached', '--b', 'Content-Type: application/octet-stream',
      'Content-Disposition: attachment; filename="big.bin"', 'Content-Transfer-Encoding: base64', '', base64.replace(/.{76}/g, '$&\r\n'), '--b--', '',
    ].join('\r\n');
    const body = Buffer.from(JSON.stringify(data));
    expect(body.byteLength).toBeGreaterThan(69_000_000);
    const sizes: number[] = [];
    const hook = webhook({ onEvent: (event: AnymailInboundEvent) => sizes.push(event.message.attachments[0]!.content.byteLength) });
    const server = createServer((req, res) => {
      void hook.node(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as import('node:net').AddressInfo).port;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/inbound', headers: headers() }, (res) => {
          res.resume().on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject).end(body);
      });
      expect(status).toBe(200);
      expect(sizes).toEqual([attachment.length]);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  }, 90_000);
});
