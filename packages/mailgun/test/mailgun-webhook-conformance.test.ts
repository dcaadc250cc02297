import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { trackingWebhook } from '../src/mailgun-webhook.js';

const KEY = 'key-conformance-signing';
const eventData = (JSON.parse(readFileSync(new URL('./fixtures/webhooks/delivered.json', import.meta.url), 'utf8')) as Record<string, unknown>)['event-data'];

function signed(at: number, key = KEY, token = randomUUID().replace(/-/g, '') + 'abcdefghij'): ConformanceWebhookRequest {
  const timestamp = String(Math.floor(at / 1000));
  const signature = createHmac('sha256', key).update(timestamp + token).digest('hex');
  return { body: JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': eventData }), headers: { 'content-type': 'application/json' } };
}

describeWebhookConformance({
  espName: 'Mailgun',
  create: (setup) => trackingWebhook({ webhookSigningKey: KEY, env: {}, ...setup }),
  authentic: (at) => signed(at),
  forgeries(request) {
    const body = JSON.parse(String(request.body)) as { signature: Record<string, string>; 'event-data': unknown };
    const variant = (signature: Record<string, string>) => ({ ...request, body: JSON.stringify({ ...body, signature }) });
    return [
      variant({ ...body.signature, signature: createHmac('sha256', 'key-not-ours').update(body.signature.timestamp! + body.signature.token!).digest('hex') }),
      variant({ ...body.signature, token: `${body.signature.token}x` }),
      variant({ ...body.signature, timestamp: String(Number(body.signature.timestamp) - 1) }),
      variant({ ...body.signature, signature: '' }),
      variant({ timestamp: body.signature.timestamp!, token: body.signature.token! }),
    ];
  },
  toleranceSeconds: 300,
});
