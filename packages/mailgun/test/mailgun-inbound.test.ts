import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inbound, type AnymailInboundEvent } from '@anymail/core';
import { inboundWebhook, trackingWebhook } from '../src/index.js';

const KEY = 'key-test-signing-0123456789';
const NOW = 1_700_000_000_000;
type Fixture = { fields: Record<string, string>; files: { field: string; filename: string; type: string; base64: string }[] };
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/inbound/${name}`, import.meta.url), 'utf8')) as Fixture;

let counter = 0;
function signed(fields: Record<string, string>, token = `${fields.token ?? 'token'}-${++counter}`) {
  const timestamp = fields.timestamp ?? String(NOW / 1000);
  return { ...fields, timestamp, token, signature: createHmac('sha256', KEY).update(timestamp + token).digest('hex') };
}

/** A multipart/form-data body exactly as fetch would send it. */
async function multipart(fields: Record<string, string>, files: Fixture['files'] = []) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) form.append(file.field, new Blob([Buffer.from(file.base64, 'base64')], { type: file.type }), file.filename);
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { body: new Uint8Array(await request.arrayBuffer()), headers: { 'content-type': request.headers.get('content-type')! } };
}

const webhook = (extra = {}) => inboundWebhook({ webhookSigningKey: KEY, now: () => NOW, ...extra });

describe('Mailgun inbound fixtures', () => {
  it('parses the fully parsed format (message-headers, attachments, content-id-map, stripped fields)', async () => {
    const { fields, files } = fixture('inbound-parsed.json');
    const [event] = await webhook().parse(await multipart(signed(fields), files));
    const message = event!.message;
    expect(event).toMatchObject({ eventType: 'inbound', espName: 'Mailgun', timestamp: new Date(NOW) });
    expect(event!.eventId).toMatch(/^tokenfrom-docs-parsed/);
    expect(message.envelopeSender).toBe('bob@example.com');
    expect(message.envelopeRecipient).toBe('support@mg.example.com');
    expect(message.from?.address).toBe('Bob <bob@example.com>');
    expect(message.to.map((a) => a.addrSpec)).toEqual(['alice@mg.example.com']);
    expect(message.cc.map((a) => a.displayName)).toEqual(['Carol']);
    expect(message.subject).toBe('Re: Sample POST request');
    expect(message.date).toEqual(new Date('2013-04-26T18:50:29Z'));
    expect(message.messageId).toBe('<517ACC75.5010709@example.com>');
    expect(message.get('in-reply-to')).toBe('<517AC78B.5060404@mg.example.com>');
    expect(message.text).toContain('This is Bob.');
    expect(message.html).toContain('cid:part1.04060802.06030207@example.com');
    // (multipart/form-data sends text fields with CRLF line breaks, as browsers and Mailgun do)
    expect(message.strippedText).toBe(fields['stripped-text']!.replace(/\n/g, '\r\n'));
    expect(message.strippedHtml).toBe(fields['stripped-html']);
    expect(message.strippedSignature).toBe('Thanks,\r\nBob');
    expect(message.spamDetected).toBe(false);
    expect(message.spamScore).toBe(0.3);
    expect(message.attachments.map((a) => [a.filename, a.contentType, a.text()])).toEqual([
      ['attached_file.txt', 'text/plain', 'This is a file.'],
    ]);
    const inline = message.inlines.get('part1.04060802.06030207@example.com');
    expect(inline).toMatchObject({ filename: 'crabby.png', contentType: 'image/png', inline: true });
    expect(Buffer.from(inline!.content).toString('base64')).toBe(files[0]!.base64);
    expect(message.asString()).toContain('Subject: Re: Sample POST request');
    expect(event!.espEvent).toMatchObject({ recipient: 'support@mg.example.com', 'attachment-1': { filename: 'crabby.png' } });
  });

  it('parses the raw MIME format (route URL ending in "mime")', async () => {
    const { fields } = fixture('inbound-mime.json');
    const [event] = await webhook().parse(await multipart(signed(fields)));
    const message = event!.message;
    expect(message.envelopeSender).toBe('bounce+1234@example.com');
    expect(message.to.map((a) => a.addrSpec)).toEqual(['alice@mg.example.com', 'support@mg.example.com']);
    expect(message.text).toBe('Hi Alice, this is Bob.');
    expect(message.html).toBe('<p>Hi Alice, this is <b>Bob</b>.</p>');
    expect(message.attachments.map((a) => a.filename)).toEqual(['notes.txt']);
    expect(message.spamDetected).toBe(true);
    expect(message.spamScore).toBe(7.5);
    expect(message.strippedText).toBeUndefined();
    expect(new TextDecoder().decode(message.asBytes())).toBe(fields['body-mime']);
  });

  it('accepts the urlencoded form Mailgun sends when there are no attachments', async () => {
    const { fields } = fixture('inbound-mime.json');
    const body = new URLSearchParams(signed(fields)).toString();
    const [event] = await webhook().parse({ body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(event!.message.subject).toBe('Sample MIME post');
  });
});

describe('Mailgun inbound over HTTP', () => {
  it('fires the inbound signal and onEvent once, answers 200', async () => {
    const seen: AnymailInboundEvent[] = [];
    const fromSignal: string[] = [];
    const receiver = ({ event, espName }: { event: AnymailInboundEvent; espName: string }) => {
      fromSignal.push(`${espName}:${event.message.subject}`);
    };
    inbound.connect(receiver);
    try {
      const hook = webhook({ onEvent: (event: AnymailInboundEvent) => seen.push(event) });
      const { body, headers } = await multipart(signed(fixture('inbound-mime.json').fields));
      const response = await hook.fetch(new Request('http://localhost/inbound', { method: 'POST', body, headers }));
      expect(response.status).toBe(200);
      expect(seen).toHaveLength(1);
      expect(fromSignal).toEqual(['Mailgun:Sample MIME post']);
    } finally {
      inbound.disconnect(receiver);
    }
  });

  it('refuses a forged signature (400); acknowledges a redelivered token (200) without firing again', async () => {
    const fired: unknown[] = [];
    const hook = webhook({ onEvent: (event: unknown) => fired.push(event) });
    const fields = signed(fixture('inbound-mime.json').fields);
    const forged = await multipart({ ...fields, signature: 'a'.repeat(64) });
    expect((await hook.handle(forged)).status).toBe(400);
    const good = await multipart(fields);
    expect((await hook.handle(good)).status).toBe(200);
    const again = await hook.handle(good);
    expect(again).toMatchObject({ status: 200, body: expect.stringMatching(/already processed/) });
    expect(fired).toHaveLength(1);
  });

  it('a receiver error answers 500 and releases the token, so Mailgun\'s retry is accepted', async () => {
    let fail = true;
    const hook = webhook({ onEvent: () => { if (fail) throw new Error('db down'); } });
    const request = await multipart(signed(fixture('inbound-mime.json').fields));
    expect((await hook.handle(request)).status).toBe(500);
    fail = false;
    expect((await hook.handle(request)).status).toBe(200);
  });
});

describe('Mailgun misrouted posts', () => {
  it('a tracking event on the inbound URL is a 400 naming trackingWebhook()', async () => {
    const body = JSON.stringify({ signature: signed({}), 'event-data': { event: 'delivered' } });
    const answer = await webhook().handle({ body, headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/tracking event.*trackingWebhook\(\)/);
  });

  it('a legacy form tracking event on the inbound URL is a 400 too', async () => {
    const answer = await webhook().handle(await multipart(signed({ event: 'delivered', recipient: 'a@example.com' })));
    expect(answer).toMatchObject({ status: 400, body: expect.stringMatching(/trackingWebhook\(\)/) });
  });

  it('an inbound message on the tracking URL is a 400 naming inboundWebhook()', async () => {
    const hook = trackingWebhook({ webhookSigningKey: KEY, now: () => NOW });
    const answer = await hook.handle(await multipart(signed(fixture('inbound-mime.json').fields)));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/inbound message.*inboundWebhook\(\)/);
  });
});

describe('Mailgun inbound: a 25 MB attachment within the default body cap', () => {
  it('arrives whole through a node:http server with the handler mounted as `void webhook.node(req, res)`', async () => {
    const { createServer, request } = await import('node:http');
    const attachment = Buffer.alloc(25 * 1024 * 1024);
    for (let i = 0; i < attachment.length; i += 4096) attachment[i] = i % 251;
    const mime = [
      'From: Bob <bob@example.com>',
      'To: support@mg.example.com',
      'Subject: big file',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="big"',
      '',
      '--big',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--big',
      'Content-Type: application/octet-stream',
      'Content-Disposition: attachment; filename="big.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      attachment.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--big--',
      '',
    ].join('\r\n');
    const sizes: number[] = [];
    const hook = webhook({ onEvent: (event: AnymailInboundEvent) => sizes.push(event.message.attachments[0]!.content.byteLength) });
    const server = createServer((req, res) => {
      void hook.node(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { body, headers } = await multipart(signed({ ...fixture('inbound-mime.json').fields, 'body-mime': mime }));
      expect(body.byteLength).toBeGreaterThan(34_000_000); // base64 and form overhead: still under the 50 MiB default
      const port = (server.address() as import('node:net').AddressInfo).port;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/inbound', headers }, (res) => {
          res.resume().on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject).end(body);
      });
      expect(status).toBe(200);
      expect(sizes).toEqual([attachment.length]);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  }, 60_000);
});
