import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { inboundWebhook } from '../src/sparkpost-inbound.js';

const SECRET = 'anymail:inbound-conformance';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const body = readFileSync(new URL('./fixtures/inbound/relay-message-batch.json', import.meta.url), 'utf8');

describeWebhookConformance({
  espName: 'SparkPost',
  create: ({ onEvent, maxBodyBytes }) => inboundWebhook({ webhookSecret: SECRET, env: {}, onEvent, maxBodyBytes }),
  authentic: () => ({ body, headers: { 'content-type': 'application/json', authorization: basic(SECRET) } }),
  forgeries: (request): ConformanceWebhookRequest[] => [
    { ...request, headers: { 'content-type': 'application/json' } },
    { ...request, headers: { ...request.headers, authorization: basic('anymail:wrong') } },
    { ...request, headers: { ...request.headers, authorization: basic(`${SECRET}x`) } },
  ],
  forgedStatus: 401,
});

// The relay webhook's own auth_token (X-MessageSystems-Webhook-Token) instead of URL credentials.
const TOKEN = 'relay-conformance-token';
describeWebhookConformance({
  espName: 'SparkPost',
  create: ({ onEvent, maxBodyBytes }) => inboundWebhook({ webhookToken: TOKEN, env: {}, onEvent, maxBodyBytes }),
  authentic: () => ({ body, headers: { 'content-type': 'application/json', 'x-messagesystems-webhook-token': TOKEN } }),
  forgeries: (request): ConformanceWebhookRequest[] => [
    { ...request, headers: { 'content-type': 'application/json' } },
    { ...request, headers: { ...request.headers, 'x-messagesystems-webhook-token': `${TOKEN}x` } },
    { ...request, headers: { 'content-type': 'application/json', authorization: basic(SECRET) } },
  ],
  forgedStatus: 401,
});
