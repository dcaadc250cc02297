import { createHmac, randomUUID } from 'node:crypto';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { inboundWebhook } from '../src/mailgun-inbound.js';

const KEY = 'key-inbound-conformance';
const MIME = 'From: Bob <bob@example.com>\r\nTo: support@mg.example.com\r\nSubject: conformance\r\n\r\nhello\r\n';

function post(fields: Record<string, string>): ConformanceWebhookRequest {
  return { body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}
function signed(at: number, key = KEY, token = randomUUID().replace(/-/g, '') + 'abcdefghij') {
  const timestamp = String(Math.floor(at / 1000));
  const signature = createHmac('sha256', key).update(timestamp + token).digest('hex');
  return { recipient: 'support@mg.example.com', sender: 'bob@example.com', 'body-mime': MIME, timestamp, token, signature };
}

describeWebhookConformance({
  espName: 'Mailgun',
  create: ({ onEvent, ...setup }) =>
    inboundWebhook({ webhookSigningKey: KEY, env: {}, onEvent, ...setup }),
  authentic: (at) => post(signed(at)),
  forgeries(request) {
    const fields = Object.fromEntries(new URLSearchParams(String(request.body)));
    return [
      post({ ...fields, signature: createHmac('sha256', 'key-not-ours').update(fields.timestamp! + fields.token!).digest('hex') }),
      post({ ...fields, token: `${fields.token}x` }),
      post({ ...fields, timestamp: String(Number(fields.timestamp) - 1) }),
      post({ ...fields, signature: '' }),
    ];
  },
  toleranceSeconds: 300,
});
