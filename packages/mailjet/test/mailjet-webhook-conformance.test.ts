import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { trackingWebhook } from '../src/mailjet-webhook.js';

const SECRET = 'anymail:conformance-pass';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const body = readFileSync(new URL('./fixtures/webhooks/grouped-sent-batch.json', import.meta.url), 'utf8');

// Mailjet signs nothing: basic auth in the callback URL is the only check (no window, no replay cache).
describeWebhookConformance({
  espName: 'Mailjet',
  create: ({ onEvent, maxBodyBytes }) => trackingWebhook({ webhookSecret: SECRET, env: {}, onEvent, maxBodyBytes }),
  authentic: () => ({ body, headers: { 'content-type': 'application/json', authorization: basic(SECRET) } }),
  forgeries: (request): ConformanceWebhookRequest[] => [
    { ...request, headers: { 'content-type': 'application/json' } },
    { ...request, headers: { ...request.headers, authorization: basic('anymail:wrong') } },
    { ...request, headers: { ...request.headers, authorization: basic(`${SECRET}x`) } },
    { ...request, headers: { ...request.headers, authorization: 'Bearer anymail:conformance-pass' } },
  ],
  forgedStatus: 401,
});
