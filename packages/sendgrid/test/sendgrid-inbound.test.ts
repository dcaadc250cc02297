import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnymailConfigurationError, type AnymailInboundEvent } from '@anymail/core';
import { inboundWebhook, trackingWebhook } from '../src/index.js';

const SECRET = 'anymail:s3cret-pass';
const auth = (cred = SECRET) => `Basic ${Buffer.from(cred).toString('base64')}`;
const fixture = (name: string) =>
  (JSON.parse(readFileSync(new URL(`./fixtures/inbound/${name}`, import.meta.url), 'utf8')) as { fields: Record<string, string> }).fields;
const webhook = (extra = {}) => inboundWebhook({ webhookSecret: SECRET, ...extra });

type Upload = { field: string; filename: string; type: string; content: Uint8Array };

/** multipart/form-data as SendGrid posts it; `raw` fields are written with their own bytes (other charsets). */
async function multipart(fields: Record<string, string>, uploads: Upload[] = [], credentials = SECRET) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const upload of uploads) form.append(upload.field, new Blob([upload.content], { type: upload.type }), upload.filename);
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return {
    body: new Uint8Array(await request.arrayBuffer()),
    headers: { 'content-type': request.headers.get('content-type')!, authorization: auth(credentials) },
  };
}

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const uploads: Upload[] = [
  { field: 'attachment1', filename: 'MG_2359.jpg', type: 'image/jpeg', content: png },
  { field: 'attachment2', filename: 'DockMcWordface.docx', type: 'application/octet-stream', content: new TextEncoder().encode('PK docx') },
];

describe('SendGrid inbound fixtures', () => {
  it('parses the default (parsed fields) payload from the docs', async () => {
    const fields = fixture('inbound-parsed.json');
    const [event] = await webhook().parse(await multipart(fields, uploads));
    const message = event!.message;
    expect(event).toMatchObject({ eventType: 'inbound', espName: 'SendGrid' });
    expect(message.envelopeSender).toBe('example@example.com');
    expect(message.envelopeRecipient).toBe('example@example.comom');
    expect(message.from).toMatchObject({ displayName: 'Sender Name', addrSpec: 'example@example.com' });
    expect(message.to.map((a) => a.addrSpec)).toEqual(['example@example.comom']);
    expect(message.subject).toBe('Different File Types');
    expect(message.date).toEqual(new Date('2016-07-27T20:53:05Z'));
    expect(message.messageId).toBe('<CAN_P_JMvV7ZpAQhOnDienypLrJmuhN=LQWweu4yScw4jQyXY2w@mail.gmail.com>');
    expect(message.getAll('received')).toHaveLength(4);
    expect(message.text).toMatch(/^Here's an email with multiple attachments\s*$/);
    expect(message.html).toContain('cid:ii_1562e2169c132d83');
    expect(message.spamScore).toBe(2.597);
    expect(message.spamDetected).toBe(false); // "(2.6 points, 5.0 required)"
    const inline = message.inlines.get('ii_1562e2169c132d83');
    expect(inline).toMatchObject({ filename: 'MG_2359.jpg', contentType: 'image/jpeg' });
    expect(Buffer.from(inline!.content).equals(png)).toBe(true);
    expect(message.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['DockMcWordface.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ]);
    expect(event!.espEvent).toMatchObject({ SPF: 'pass', attachment1: { filename: 'MG_2359.jpg' } });
  });

  it('parses the raw payload ("Send Raw") from the docs', async () => {
    const fields = fixture('inbound-raw.json');
    const [event] = await webhook().parse(await multipart(fields));
    const message = event!.message;
    expect(message.subject).toBe('Hello');
    expect(message.from?.address).toBe('Sender Name <example@example.com>');
    expect(message.text).toBe('This is a test email with 1 attachment.\n');
    expect(message.html).toContain('<div dir="ltr">This is a test email with 1 attachment.');
    expect(message.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['DockMcWordface.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ]);
    expect(message.attachments[0]!.content.subarray(0, 2)).toEqual(new Uint8Array([0x50, 0x4b])); // a zip (docx)
    expect(message.envelopeSender).toBe('example@example.com');
    expect(message.spamScore).toBe(Number(fields.spam_score));
    expect(message.asString().replace(/\r\n/g, '\n')).toBe(fields.email!.replace(/\r\n/g, '\n'));
  });

  it('decodes parsed fields by `charsets` (a Latin-1 subject and text)', async () => {
    const fields = {
      ...fixture('inbound-parsed.json'),
      subject: 'Caf\u00e9 cr\u00e8me',
      text: 'D\u00e9j\u00e0 vu',
      charsets: '{"to":"UTF-8","html":"UTF-8","subject":"iso-8859-1","from":"UTF-8","text":"iso-8859-1"}',
      headers: 'From: a@example.com\nTo: b@example.com\n',
    };
    const { body, headers } = await multipart(fields);
    // Re-encode the two fields in Latin-1, as SendGrid sends them.
    const latin1 = Buffer.from(body).toString('utf8').replace('Caf\u00e9 cr\u00e8me', '\u0000S').replace('D\u00e9j\u00e0 vu', '\u0000T');
    const bytes = Buffer.concat(
      latin1.split(/(\u0000[ST])/).map((piece) =>
        piece === '\u0000S' ? Buffer.from('Caf\u00e9 cr\u00e8me', 'latin1') : piece === '\u0000T' ? Buffer.from('D\u00e9j\u00e0 vu', 'latin1') : Buffer.from(piece, 'utf8'),
      ),
    );
    const [event] = await webhook().parse({ body: new Uint8Array(bytes), headers });
    expect(event!.message.subject).toBe('Caf\u00e9 cr\u00e8me');
    expect(event!.message.text).toBe('D\u00e9j\u00e0 vu');
  });
});

describe('SendGrid inbound authentication and routing', () => {
  it('requires webhookSecret', () => {
    expect(() => inboundWebhook({ env: {} })).toThrow(AnymailConfigurationError);
  });

  it('refuses wrong credentials with 401 and fires nothing', async () => {
    const fired: AnymailInboundEvent[] = [];
    const hook = webhook({ onEvent: (event: AnymailInboundEvent) => fired.push(event) });
    expect((await hook.handle(await multipart(fixture('inbound-raw.json'), [], 'anymail:nope'))).status).toBe(401);
    expect(fired).toEqual([]);
  });

  it('an Event Webhook post on the inbound URL is a 400 naming trackingWebhook()', async () => {
    const answer = await webhook().handle({
      body: '[{"email":"a@example.com","event":"delivered"}]',
      headers: { 'content-type': 'application/json', authorization: auth() },
    });
    expect(answer).toMatchObject({ status: 400, body: expect.stringMatching(/tracking event.*trackingWebhook\(\)/) });
  });

  it('an Inbound Parse post on the tracking URL is a 400 naming inboundWebhook()', async () => {
    const tracking = trackingWebhook({ webhookSecret: SECRET });
    const answer = await tracking.handle(await multipart(fixture('inbound-raw.json')));
    expect(answer).toMatchObject({ status: 400, body: expect.stringMatching(/inbound message.*inboundWebhook\(\)/) });
  });
});
