import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inbound, type AnymailInboundEvent } from '@anymail/core';
import { inboundWebhook } from '../src/mailjet-inbound.js';

const read = (name: string) => readFileSync(new URL(`./fixtures/inbound/${name}`, import.meta.url), 'utf8');
const SECRET = 'anymail:inbound-pass';
const headers = (cred = SECRET) => ({ 'content-type': 'application/json', authorization: `Basic ${Buffer.from(cred).toString('base64')}` });
const hook = inboundWebhook({ webhookSecret: SECRET });
const parseOne = async (body: string) => (await hook.parse({ body, headers: headers() }))[0]!;

describe('Mailjet Parse API post', () => {
  it('becomes an inbound message with the envelope, headers, bodies and spam score', async () => {
    const event = await parseOne(read('parse-inbound.json'));
    expect(event).toMatchObject({ eventType: 'inbound', espName: 'Mailjet', eventId: undefined, timestamp: undefined });
    const message = event.message;
    expect(message.envelopeSender).toBe('pilot@mailjet.com');
    expect(message.envelopeRecipient).toBe('passenger@mailjet.com');
    expect(message.from).toMatchObject({ displayName: 'Pilot', addrSpec: 'pilot@mailjet.com' });
    expect(message.to.map((address) => address.addrSpec)).toEqual(['passenger@mailjet.com']);
    expect(message.subject).toBe("Hey! It's Friday!");
    expect(message.messageId).toBe('<CAE5Zh0ZpHZ6G5DC+He5426a4RkVab7uWaTDwiMcHzOR=YB3urA@mail.gmail.com>');
    expect(message.date?.toISOString()).toBe('2015-04-10T16:06:38.000Z');
    expect(message.text).toContain("Important notice: it's Friday.");
    expect(message.html).toContain('<i>afternoon</i>');
    expect(message.spamScore).toBeCloseTo(0.602);
    // Repeated headers come as arrays: each value is kept.
    expect(message.headers.filter((h) => h.name.toLowerCase() === 'received')).toHaveLength(1);
    expect(message.headers.find((h) => h.name.toLowerCase() === 'x-csa-complaints')?.value).toBe('whitelist-complaints@eco.de');
    expect((event.espEvent as { CustomID: string }).CustomID).toBe('helloworld');
  });

  it('decodes attachments named by Parts[].ContentRef (the documented fragment)', async () => {
    const full = { ...JSON.parse(read('parse-inbound.json')), ...JSON.parse(read('parse-inbound-attachment-fragment.json')) };
    const event = await parseOne(JSON.stringify(full));
    const [attachment] = event.message.attachments;
    expect(event.message.attachments).toHaveLength(1);
    expect(attachment).toMatchObject({ filename: 'helloworld.txt', contentType: 'text/plain' });
    expect(new TextDecoder().decode(attachment!.content)).toBe('Hello World!');
  });

  it('keeps an inline image with its Content-ID', async () => {
    const body = {
      ...JSON.parse(read('parse-inbound.json')),
      Parts: [{ Headers: { 'Content-Type': 'image/png; name="dot.png"', 'Content-Disposition': 'inline; filename="dot.png"',
        'Content-ID': '<dot@example.com>' }, ContentRef: 'InlineAttachment1' }],
      InlineAttachment1: Buffer.from('PNGDATA').toString('base64'),
    };
    const event = await parseOne(JSON.stringify(body));
    expect(event.message.attachments).toHaveLength(0);
    expect(event.message.inlines.get('dot@example.com')).toMatchObject({ filename: 'dot.png', contentType: 'image/png' });
  });

  it('reads an RFC 2231 filename', async () => {
    const body = {
      ...JSON.parse(read('parse-inbound.json')),
      Parts: [{ Headers: { 'Content-Type': 'application/pdf', 'Content-Disposition': "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf" },
        ContentRef: 'Attachment1' }],
      Attachment1: 'JVBERg==',
    };
    expect((await parseOne(JSON.stringify(body))).message.attachments[0]?.filename).toBe('résumé.pdf');
  });

  it('fires the inbound signal once per post', async () => {
    const seen: AnymailInboundEvent[] = [];
    const receiver = ({ event }: { event: AnymailInboundEvent }) => void seen.push(event);
    inbound.connect(receiver, { sender: hook });
    try {
      const res = await hook.handle({ body: read('parse-inbound.json'), headers: headers() });
      expect(res.status).toBe(200);
      expect(seen).toHaveLength(1);
    } finally {
      inbound.disconnect(receiver, { sender: hook });
    }
  });

  it('refuses a tracking event (single or grouped) with a 400 that names trackingWebhook()', async () => {
    const event = readFileSync(new URL('./fixtures/webhooks/sent.json', import.meta.url), 'utf8');
    for (const body of [event, `[${event}]`]) {
      const res = await hook.handle({ body, headers: headers() });
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/trackingWebhook\(\)/);
    }
  });

  it('answers 401 to wrong credentials', async () => {
    expect((await hook.handle({ body: read('parse-inbound.json'), headers: headers('a:b') })).status).toBe(401);
  });
});
