import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { trackingWebhook } from '../src/mailersend-webhook.js';

const SECRET = 'conformance-signing-secret-32chr';
const template = readFileSync(new URL('./fixtures/webhooks/activity-delivered.json', import.meta.url), 'utf8');
const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
let serial = 0;

// MailerSend signs no timestamp: no window and no replay check (the suite skips those cases).
describeWebhookConformance({
  espName: 'MailerSend',
  create: ({ onEvent, maxBodyBytes }) => trackingWebhook({ signingSecret: SECRET, env: {}, onEvent, maxBodyBytes }),
  authentic: () => {
    const body = template.replace('6728c30e7b4d1f0a2c3e5b71', `6728c30e7b4d1f0a2c3e${(serial++).toString(16).padStart(4, '0')}`);
    return { body, headers: { 'content-type': 'application/json', signature: sign(body) } };
  },
  forgeries: (request): ConformanceWebhookRequest[] => {
    const body = String(request.body);
    const altered = body.replace('"delivered"', '"opened"');
    return [
      { body, headers: { 'content-type': 'application/json' } },
      { body: altered, headers: request.headers },
      { body, headers: { ...request.headers, signature: sign(body, 'another-webhooks-signing-secret') } },
      { body, headers: { ...request.headers, signature: sign(body).slice(0, 32) } },
      { body, headers: { ...request.headers, signature: '' } },
    ];
  },
});
