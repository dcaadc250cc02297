import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { inboundWebhook } from '../src/mailjet-inbound.js';

const SECRET = 'anymail:inbound-conformance';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const body = readFileSync(new URL('./fixtures/inbound/parse-inbound.json', import.meta.url), 'utf8');

describeWebhookConformance({
  espName: 'Mailjet',
  create: ({ onEvent, maxBodyBytes }) => inboundWebhook({ webhookSecret: SECRET, env: {}, onEvent, maxBodyBytes }),
  authentic: () => ({ body, headers: { 'content-type': 'application/json', authorization: basic(SECRET) } }),
  forgeries: (request): ConformanceWebhookRequest[] => [
    { ...request, headers: { 'content-type': 'application/json' } },
    { ...request, headers: { ...request.headers, authorization: basic('anymail:wrong') } },
  ],
  forgedStatus: 401,
});
