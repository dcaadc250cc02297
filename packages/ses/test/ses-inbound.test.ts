import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnymailInboundEvent } from '@anymail/core';
import { inboundWebhook, trackingWebhook, type SesInboundWebhookOptions } from '../src/index.js';
import { makeTestCertificate, signSns, snsHeaders, startCertServer } from './ses-webhook-helpers.js';

const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const TOPIC = 'arn:aws:sns:us-east-1:012345678912:example-topic';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';
const KEYS = { accessKeyId: 'AKIDINBOUNDTEST', secretAccessKey: 'inbound-secret-key', sessionToken: 'session-token-1' };

let keyPem: string;
let certServer: Awaited<ReturnType<typeof startCertServer>>;
let s3: { server: Server; base: string; requests: { path: string; verified: boolean; headers: IncomingMessage['headers'] }[]; objects: Map<string, Buffer | { status: number; headers?: Record<string, string> }> };

/** Recompute the request's SigV4 signature with the AWS SDK's signer: the fake S3 refuses anything else (403). */
async function signatureIsValid(req: IncomingMessage, base: string): Promise<boolean> {
  const url = new URL(req.url ?? '/', base);
  const date = String(req.headers['x-amz-date'] ?? '');
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const signer = new SignatureV4({ credentials: KEYS, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign(
    new HttpRequest({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host } }),
    { signingDate },
  );
  return signed.headers.authorization === req.headers.authorization;
}

beforeAll(async () => {
  const cert = makeTestCertificate();
  keyPem = cert.keyPem;
  certServer = await startCertServer({ [new URL(CERT_URL).pathname]: cert.certPem });
  const requests: (typeof s3)['requests'] = [];
  const objects: (typeof s3)['objects'] = new Map();
  const server = createServer((req, res) => {
    void signatureIsValid(req, s3.base).then((verified) => {
      requests.push({ path: req.url ?? '', verified, headers: req.headers });
      const object = objects.get(decodeURIComponent(req.url ?? ''));
      if (!verified) res.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
      else if (object === undefined) res.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
      else if (Buffer.isBuffer(object)) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(object);
      else res.writeHead(object.status, object.headers).end('x');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s3 = { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, objects };
});
afterAll(async () => {
  await new Promise<void>((done) => certServer.server.close(() => done()));
  await new Promise<void>((done) => s3.server.close(() => done()));
});

const certificateFetcher = async (url: string) => (await fetch(certServer.base + new URL(url).pathname)).text();
const webhook = (extra: Partial<SesInboundWebhookOptions> = {}) =>
  inboundWebhook({ topicArns: [TOPIC], certificateFetcher, credentials: KEYS, s3Endpoint: s3.base, env: {}, ...extra });

let counter = 0;
function snsPost(message: string, type = 'Notification') {
  const envelope = signSns(
    {
      Type: type,
      MessageId: `inbound-${++counter}-${Date.now()}`,
      TopicArn: TOPIC,
      Subject: 'Amazon SES Email Receipt Notification',
      Message: message,
      Timestamp: new Date().toISOString(),
      SigningCertURL: CERT_URL,
      UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
    },
    keyPem,
  );
  return { body: JSON.stringify(envelope), headers: snsHeaders(envelope) };
}

describe('SES inbound: SNS action (message inline)', () => {
  it('parses the docs example', async () => {
    const record = read('inbound/ses-received-sns-action.json');
    const [event] = await webhook().parse(snsPost(record));
    const message = event!.message;
    expect(event).toMatchObject({
      eventType: 'inbound',
      espName: 'Amazon SES',
      eventId: 'd6iitobk75ur44p8kdnnp7g2n800',
      timestamp: new Date('2015-09-11T20:32:33.936Z'),
    });
    expect(message.envelopeSender).toBe('61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com');
    expect(message.envelopeRecipient).toBe('recipient@example.com');
    expect(message.spamDetected).toBe(false);
    expect(message.from?.addrSpec).toBe('sender@example.com');
    expect(message.to.map((a) => a.addrSpec)).toEqual(['recipient@example.com']);
    expect(message.subject).toBe('Example subject');
    expect(message.date).toEqual(new Date('2015-09-11T20:32:32Z'));
    expect(message.text).toBe('Example content\n');
    expect(message.asString()).toBe((JSON.parse(record) as { content: string }).content);
  });

  it('decodes BASE64-encoded content and reads a FAIL spam verdict', async () => {
    const record = JSON.parse(read('inbound/ses-received-sns-action.json')) as {
      content: string;
      receipt: { action: Record<string, string>; spamVerdict: { status: string } };
    };
    record.receipt.action.encoding = 'BASE64';
    record.receipt.spamVerdict.status = 'FAIL';
    record.content = Buffer.from(record.content).toString('base64');
    const [event] = await webhook().parse(snsPost(JSON.stringify(record)));
    expect(event!.message.subject).toBe('Example subject');
    expect(event!.message.spamDetected).toBe(true);
  });
});

describe('SES inbound: S3 action (message read from the bucket)', () => {
  const content = (JSON.parse(read('inbound/ses-received-sns-action.json')) as { content: string }).content;

  it('fetches the object named by the docs example with SigV4 (checked by the AWS SDK signer)', async () => {
    s3.objects.set('/my-S3-bucket/\\email', Buffer.from(content));
    const seen: AnymailInboundEvent[] = [];
    const hook = webhook({ onEvent: (event: AnymailInboundEvent) => seen.push(event) });
    const { body, headers } = snsPost(read('inbound/ses-received-s3-action.json'));
    const answer = await hook.handle({ body, headers });
    expect(answer.status).toBe(200);
    const request = s3.requests.at(-1)!;
    expect(request).toMatchObject({ path: '/my-S3-bucket/%5Cemail', verified: true });
    expect(request.headers['x-amz-security-token']).toBe('session-token-1');
    expect(request.headers.authorization).toMatch(/Credential=AKIDINBOUNDTEST\/\d{8}\/us-east-1\/s3\/aws4_request/);
    expect(seen[0]!.message.subject).toBe('Example subject');
    expect(seen[0]!.message.envelopeRecipient).toBe('recipient@example.com');
  });

  it('takes credentials from the AWS chain (environment) when none are given', async () => {
    s3.objects.set('/my-S3-bucket/\\email', Buffer.from(content));
    const hook = inboundWebhook({
      topicArns: [TOPIC], certificateFetcher, s3Endpoint: s3.base,
      env: { AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey, AWS_SESSION_TOKEN: KEYS.sessionToken },
      homeDir: '/nonexistent',
    });
    const [event] = await hook.parse(snsPost(read('inbound/ses-received-s3-action.json')));
    expect(event!.message.subject).toBe('Example subject');
    expect(s3.requests.at(-1)!.verified).toBe(true);
  });

  it('answers 500 (SNS retries) when S3 refuses or the object is missing, with the claim released', async () => {
    const hook = webhook({ credentials: { accessKeyId: 'AKIDWRONG', secretAccessKey: 'nope' } });
    const post = snsPost(read('inbound/ses-received-s3-action.json'));
    expect((await hook.handle(post)).status).toBe(500); // 403 from S3
    s3.objects.delete('/my-S3-bucket/\\email');
    expect((await webhook().handle(snsPost(read('inbound/ses-received-s3-action.json')))).status).toBe(500); // 404
    s3.objects.set('/my-S3-bucket/\\email', Buffer.from(content));
    expect((await hook.handle(post)).status).toBe(500); // same MessageId again: not a replay, still the wrong key
  });

  it('refuses a client-side encrypted object with a configuration message', async () => {
    s3.objects.set('/my-S3-bucket/\\email', { status: 200, headers: { 'x-amz-meta-x-amz-cek-alg': 'AES/GCM/NoPadding' } });
    await expect(webhook().parse(snsPost(read('inbound/ses-received-s3-action.json')))).rejects.toThrow(/client-side encrypted/);
  });

  it('refuses an object larger than maxBodyBytes', async () => {
    s3.objects.set('/my-S3-bucket/\\email', Buffer.alloc(2048, 'a'));
    await expect(webhook({ maxBodyBytes: 1024 }).parse(snsPost(read('inbound/ses-received-s3-action.json')))).rejects.toThrow(/larger than maxBodyBytes/);
  });
});

describe('SES inbound security and routing', () => {
  it('refuses a topic outside topicArns and a bad signature, firing nothing', async () => {
    const fired: unknown[] = [];
    const hook = webhook({ topicArns: ['arn:aws:sns:us-east-1:012345678912:other'], onEvent: (event: unknown) => fired.push(event) });
    expect((await hook.handle(snsPost(read('inbound/ses-received-sns-action.json')))).status).toBe(400);
    const post = snsPost(read('inbound/ses-received-sns-action.json'));
    const tampered = { ...post, body: post.body.replace('Example content', 'Tampered content') };
    expect((await webhook({ onEvent: (event: unknown) => fired.push(event) }).handle(tampered)).status).toBe(400);
    expect(fired).toEqual([]);
  });

  it('a tracking event on the inbound URL is a 400 naming trackingWebhook()', async () => {
    const answer = await webhook().handle(snsPost(read('webhooks/ses-event-delivery.json')));
    expect(answer).toMatchObject({ status: 400, body: expect.stringMatching(/tracking event.*trackingWebhook\(\)/) });
  });

  it('a receipt notification on the tracking URL is a 400 naming inboundWebhook()', async () => {
    const tracking = trackingWebhook({ topicArns: [TOPIC], certificateFetcher, env: {} });
    const answer = await tracking.handle(snsPost(read('inbound/ses-received-sns-action.json')));
    expect(answer).toMatchObject({ status: 400, body: expect.stringMatching(/inbound message.*inboundWebhook\(\)/) });
  });

  it('a Lambda-action notification (no content) is a 400 saying which actions work', async () => {
    const record = JSON.parse(read('inbound/ses-received-s3-action.json')) as { receipt: { action: Record<string, string> } };
    record.receipt.action = { type: 'Lambda', functionArn: 'arn:aws:lambda:us-east-1:012345678912:function:x' };
    const answer = await webhook().handle(snsPost(JSON.stringify(record)));
    expect(answer).toMatchObject({ status: 400, body: expect.stringMatching(/SNS action.*S3 action/) });
  });
});
