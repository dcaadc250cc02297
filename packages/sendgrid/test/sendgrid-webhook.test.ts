import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, type AnymailTrackingEvent } from '@anymail/core';
import { trackingWebhook } from '../src/sendgrid-webhook.js';

const fixtureDir = new URL('./fixtures/webhooks/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtureDir), 'utf8');
interface Signed { publicKey: string; timestamp: string; signature: string; rawBody: string }
const signedFixture = (name: string) => JSON.parse(read(name)) as Signed;
const SIG = 'X-Twilio-Email-Event-Webhook-Signature';
const TS = 'X-Twilio-Email-Event-Webhook-Timestamp';

function signedRequest(fx: Signed, overrides: Partial<Signed> = {}) {
  const f = { ...fx, ...overrides };
  return { body: f.rawBody, headers: { 'content-type': 'application/json', [SIG]: f.signature, [TS]: f.timestamp } };
}
const atFixtureTime = (fx: Signed) => ({ verificationKey: fx.publicKey, now: () => Number(fx.timestamp) * 1000 + 1000 });

describe('SendGrid official signed fixtures', () => {
  it('has a test for every shared example', () => {
    expect(readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort()).toEqual(['events-all-types.json', 'signed-multiple-events.json', 'signed-single-event.json']);
  });

  it('signed-single-event.json verifies and parses', async () => {
    const fx = signedFixture('signed-single-event.json');
    const events = await trackingWebhook(atFixtureTime(fx)).parse(signedRequest(fx));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventType: 'rejected', rejectReason: 'bounced', recipient: 'hello@world.com',
      messageId: '<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>', description: 'Bounced Address',
      eventId: 'ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA', timestamp: new Date(1600112492000) });
  });

  it('signed-multiple-events.json verifies and gives one event per array item', async () => {
    const fx = signedFixture('signed-multiple-events.json');
    const events = await trackingWebhook(atFixtureTime(fx)).parse(signedRequest(fx));
    expect(events.map((e) => [e.eventType, e.rejectReason])).toEqual([['queued', undefined], ['bounced', 'blocked']]);
    expect(events[1]!.mtaResponse).toMatch(/^552 5\.2\.2 The email account/);
  });

  for (const name of ['signed-single-event.json', 'signed-multiple-events.json']) {
    it(`${name}: an altered body, timestamp or signature fails`, async () => {
      const fx = signedFixture(name);
      const hook = trackingWebhook(atFixtureTime(fx));
      const tampered: Partial<Signed>[] = [
        { rawBody: fx.rawBody.replace(/\r\n$/, '') },
        { rawBody: JSON.stringify(JSON.parse(fx.rawBody)) },
        { rawBody: fx.rawBody.replace('invalid@gmail.com', 'other@gmail.com').replace('hello@world.com', 'bye@world.com') },
        { timestamp: String(Number(fx.timestamp) + 1) },
        { signature: fx.signature.slice(0, -4) + 'AAA=' },
        { signature: '' },
      ];
      for (const change of tampered) {
        await expect(hook.parse(signedRequest(fx, change)), JSON.stringify(change).slice(0, 60)).rejects.toThrow(/signature/);
      }
    });
  }

  it('refuses a valid signature outside the timestamp window', async () => {
    const fx = signedFixture('signed-single-event.json');
    const late = trackingWebhook({ verificationKey: fx.publicKey, now: () => (Number(fx.timestamp) + 601) * 1000 });
    await expect(late.parse(signedRequest(fx))).rejects.toThrow(/timestamp/);
    const tolerant = trackingWebhook({ verificationKey: fx.publicKey, timestampToleranceSeconds: 10 ** 10 });
    await expect(tolerant.parse(signedRequest(fx))).resolves.toHaveLength(1);
  });

  it('never delivers twice a request redelivered with its signature spelled differently (base64 variants, ECDSA (r, n - s))', async () => {
    const fx = signedFixture('signed-single-event.json');
    const fired: AnymailTrackingEvent[] = [];
    const hook = trackingWebhook({ ...atFixtureTime(fx), onEvent: (e) => fired.push(e) });
    const post = (signature: string) => hook.handle({ method: 'POST', ...signedRequest(fx, { signature }) });
    expect((await post(fx.signature)).status).toBe(200);
    const respellings = [
      fx.signature.replace(/=+$/, ''), // padding stripped
      `${fx.signature.slice(0, 10)}!${fx.signature.slice(10)}`, // a character Node's decoder skips
      ` ${fx.signature}`,
      fx.signature.replace(/\+/g, '-').replace(/\//g, '_'), // base64url
      Buffer.from(highS(Buffer.from(fx.signature, 'base64'))).toString('base64'), // the other valid ECDSA signature
    ];
    for (const signature of respellings) {
      expect(signature).not.toBe(fx.signature);
      const answer = await post(signature);
      // Either the spelling doesn't verify (400), or it does and the claim (a hash of what was signed,
      // not of the signature) recognizes the processed request: acknowledged, nothing delivered.
      expect(answer.status === 400 ? answer.body : [answer.status, answer.body], signature).toEqual(
        answer.status === 400 ? expect.stringMatching(/signature/) : [200, expect.stringMatching(/already processed/)],
      );
    }
    // The (r, n - s) signature is genuinely valid: a fresh webhook accepts it, so only the claim kept it from firing twice.
    const fresh = trackingWebhook(atFixtureTime(fx));
    expect((await fresh.handle({ method: 'POST', ...signedRequest(fx, { signature: respellings[4]! }) })).status).toBe(200);
    expect(fired).toHaveLength(1);
  });
});

/** The equivalent ECDSA P-256 signature (r, n - s), DER encoded. */
function highS(der: Buffer): Uint8Array {
  const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const readInt = (at: number): [bigint, number] => {
    const length = der[at + 1]!;
    return [BigInt(`0x${der.subarray(at + 2, at + 2 + length).toString('hex')}`), at + 2 + length];
  };
  const [r, next] = readInt(2);
  const [s] = readInt(next);
  const encodeInt = (value: bigint) => {
    let hex = value.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    let bytes = Buffer.from(hex, 'hex');
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const body = Buffer.concat([encodeInt(r), encodeInt(n - s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe('SendGrid events-all-types.json', () => {
  // Signed here with a test key pair (the docs sample is unsigned).
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const now = 1_700_000_000;
  const body = Buffer.from(read('events-all-types.json'));
  const signature = sign('sha256', Buffer.concat([Buffer.from(String(now)), body]), privateKey).toString('base64');

  it('parses every event type', async () => {
    const hook = trackingWebhook({ verificationKey: spki, now: () => now * 1000 });
    const events = await hook.parse({ body, headers: { [SIG]: signature, [TS]: String(now) } });
    expect(events.map((e) => `${e.eventType}/${e.rejectReason ?? ''}`)).toEqual([
      'queued/', 'deferred/', 'delivered/', 'opened/', 'clicked/', 'bounced/bounced', 'rejected/bounced',
      'complained/spam', 'unsubscribed/unsubscribed', 'unsubscribed/unsubscribed', 'subscribed/',
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ espName: 'SendGrid', recipient: 'example@test.com', tags: ['cat facts'],
        messageId: '<14c5d75ce93.dfd.64b469@ismtpd-555>', eventId: 'sg_event_id', timestamp: new Date(1513299569000) });
    }
    expect(events[1]).toMatchObject({ mtaResponse: '400 try again later' });
    expect(events[4]).toMatchObject({ clickUrl: 'http://www.sendgrid.com/', userAgent: expect.stringMatching(/^Mozilla\/4.0/) });
    expect(events[5]).toMatchObject({ description: '500 unknown recipient', mtaResponse: '500 unknown recipient' });
  });

  it('takes messageId from the anymail_id custom arg and custom args as metadata', async () => {
    const event = { email: 'a@example.com', event: 'delivered', anymail_id: 'abc-123', 'smtp-id': '<x@y>', order: '7', category: ['a', 'b'] };
    const raw = JSON.stringify([event]);
    const sig = sign('sha256', Buffer.from(String(now) + raw), privateKey).toString('base64');
    const [parsed] = await trackingWebhook({ verificationKey: spki, now: () => now * 1000 })
      .parse({ body: raw, headers: { [SIG]: sig, [TS]: String(now) } });
    expect(parsed).toMatchObject({ messageId: 'abc-123', metadata: { order: '7' }, tags: ['a', 'b'] });
  });

  it('accepts a PEM key too, and refuses a key of another pair', async () => {
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const headers = { [SIG]: signature, [TS]: String(now) };
    await expect(trackingWebhook({ verificationKey: pem, now: () => now * 1000 }).parse({ body, headers })).resolves.toHaveLength(11);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    await expect(trackingWebhook({ verificationKey: other, now: () => now * 1000 }).parse({ body, headers })).rejects.toThrow(/signature/);
  });

  it('needs a verification key or basic auth, and rejects a malformed key', () => {
    expect(() => trackingWebhook({ env: {} })).toThrow(AnymailConfigurationError);
    expect(() => trackingWebhook({ env: { SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY: spki } })).not.toThrow();
    expect(() => trackingWebhook({ env: {}, webhookSecret: 'u:p' })).not.toThrow();
    expect(() => trackingWebhook({ verificationKey: 'not-a-key' })).toThrow(/verificationKey/);
  });

  describe('over node:http with the raw body', () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));
    it('answers 200 for a signed post, 400 for a forged one, 500 when a receiver throws', async () => {
      let fail = false;
      const hook = trackingWebhook({ verificationKey: spki, now: () => now * 1000, onEvent: () => { if (fail) throw new Error('x'); } });
      server = createServer((req, res) => void hook.node(req, res));
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const post = (sig: string) => fetch(url, { method: 'POST', body, headers: { [SIG]: sig, [TS]: String(now) } });
      const forged = Buffer.from(signature, 'base64');
      forged[forged.length - 1]! ^= 0x01;
      expect((await post(forged.toString('base64'))).status).toBe(400);
      fail = true;
      expect((await post(signature)).status).toBe(500);
      fail = false;
      expect((await post(signature)).status).toBe(200);
    });
  });
});
