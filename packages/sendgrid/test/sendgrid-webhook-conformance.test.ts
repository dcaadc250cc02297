import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { trackingWebhook } from '../src/sendgrid-webhook.js';

const SIG = 'X-Twilio-Email-Event-Webhook-Signature';
const TS = 'X-Twilio-Email-Event-Webhook-Timestamp';
const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const { publicKey, privateKey } = pair();
const other = pair().privateKey;
const verificationKey = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

function signed(at: number, body = JSON.stringify([{ email: 'a@example.com', event: 'delivered', sg_event_id: randomUUID(), timestamp: Math.floor(at / 1000) }]), key = privateKey): ConformanceWebhookRequest {
  const timestamp = String(Math.floor(at / 1000));
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), key).toString('base64');
  return { body, headers: { 'content-type': 'application/json', [SIG]: signature, [TS]: timestamp } };
}

describeWebhookConformance({
  espName: 'SendGrid',
  create: (setup) => trackingWebhook({ verificationKey, env: {}, ...setup }),
  authentic: (at) => signed(at),
  forgeries(request): ConformanceWebhookRequest[] {
    const body = String(request.body);
    const timestamp = request.headers[TS]!;
    return [
      { ...request, body: body.replace('a@example.com', 'b@example.com') },
      { ...request, headers: { ...request.headers, [TS]: String(Number(timestamp) + 1) } },
      { ...request, headers: { ...request.headers, [SIG]: signed(Number(timestamp) * 1000, body, other).headers[SIG]! } },
      { ...request, headers: { 'content-type': 'application/json', [TS]: timestamp } },
    ];
  },
  toleranceSeconds: 600,
});
