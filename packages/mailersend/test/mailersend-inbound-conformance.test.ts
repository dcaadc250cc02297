import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { inboundWebhook } from '../src/mailersend-inbound.js';

const SECRET = 'conformance-inbound-route-secret';
const template = readFileSync(new URL('./fixtures/inbound/inbound-message.json', import.meta.url), 'utf8');
const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
let serial = 0;

describeWebhookConformance({
  espName: 'MailerSend',
  create: ({ onEvent, maxBodyBytes }) => inboundWebhook({ inboundSecret: SECRET, env: {}, onEvent, maxBodyBytes }),
  authentic: () => {
    const body = template.replace('672a08c3a9b8c7d6e5f40312', `672a08c3a9b8c7d6e5f4${(serial++).toString(16).padStart(4, '0')}`);
    return { body, headers: { 'content-type': 'application/json', signature: sign(body) } };
  },
  forgeries: (request): ConformanceWebhookRequest[] => {
    const body = String(request.body);
    return [
      { body, headers: { 'content-type': 'application/json' } },
      { body: body.replace('where is my order', 'send me the gift cards'), headers: request.headers },
      { body, headers: { ...request.headers, signature: sign(body, 'the-activity-webhooks-secret') } },
    ];
  },
});
