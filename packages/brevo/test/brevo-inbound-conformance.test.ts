import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { inboundWebhook } from '../src/brevo-inbound.js';

const SECRET = 'anymail:inbound-conformance';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
// The two-item post has no attachments: nothing to download (brevo-inbound.test.ts covers downloads).
const body = readFileSync(new URL('./fixtures/inbound/inbound-two-items.json', import.meta.url), 'utf8');

describeWebhookConformance({
  espName: 'Brevo',
  create: ({ onEvent, maxBodyBytes }) => inboundWebhook({ webhookSecret: SECRET, apiKey: 'xkeysib-unused', env: {}, onEvent, maxBodyBytes }),
  authentic: () => ({ body, headers: { 'content-type': 'application/json', authorization: basic(SECRET) } }),
  forgeries: (request): ConformanceWebhookRequest[] => [
    { ...request, headers: { 'content-type': 'application/json' } },
    { ...request, headers: { ...request.headers, authorization: basic('anymail:wrong') } },
    { ...request, headers: { ...request.headers, authorization: 'Bearer anymail:inbound-conformance' } },
  ],
  forgedStatus: 401,
});
