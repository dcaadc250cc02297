import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { trackingWebhook } from '../src/brevo-webhook.js';

const SECRET = 'anymail:conformance-pass';
const TOKEN = 'conformance-bearer-token';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const body = readFileSync(new URL('./fixtures/webhooks/delivered.json', import.meta.url), 'utf8');

// Brevo signs nothing: basic auth or a bearer token is the only check, so there is no window and no replay cache.
describeWebhookConformance({
  espName: 'Brevo',
  create: ({ onEvent, maxBodyBytes }) => trackingWebhook({ webhookSecret: SECRET, env: {}, onEvent, maxBodyBytes }),
  authentic: () => ({ body, headers: { 'content-type': 'application/json', authorization: basic(SECRET) } }),
  forgeries: (request): ConformanceWebhookRequest[] => [
    { ...request, headers: { 'content-type': 'application/json' } },
    { ...request, headers: { ...request.headers, authorization: basic('anymail:wrong') } },
    { ...request, headers: { ...request.headers, authorization: basic(`${SECRET}x`) } },
    { ...request, headers: { ...request.headers, authorization: `Bearer ${SECRET}` } },
  ],
  forgedStatus: 401,
});

describeWebhookConformance({
  espName: 'Brevo',
  create: ({ onEvent, maxBodyBytes }) => trackingWebhook({ webhookToken: TOKEN, env: {}, onEvent, maxBodyBytes }),
  authentic: () => ({ body, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } }),
  forgeries: (request): ConformanceWebhookRequest[] => [
    { ...request, headers: { 'content-type': 'application/json' } },
    { ...request, headers: { ...request.headers, authorization: 'Bearer wrong' } },
    { ...request, headers: { ...request.headers, authorization: `Bearer ${TOKEN}x` } },
    { ...request, headers: { ...request.headers, authorization: basic(`user:${TOKEN}`) } },
  ],
  forgedStatus: 401,
});
