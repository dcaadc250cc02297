import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { inboundWebhook } from '../src/sendgrid-inbound.js';

const SECRET = 'anymail:inbound-conformance';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const { fields } = JSON.parse(readFileSync(new URL('./fixtures/inbound/inbound-raw.json', import.meta.url), 'utf8')) as { fields: Record<string, string> };
const form = new FormData();
for (const [name, value] of Object.entries(fields)) form.append(name, value);
const encoded = new Request('http://localhost/', { method: 'POST', body: form });
const body = new Uint8Array(await encoded.arrayBuffer());
const contentType = encoded.headers.get('content-type')!;

describeWebhookConformance({
  espName: 'SendGrid',
  create: ({ onEvent, maxBodyBytes }) =>
    inboundWebhook({ webhookSecret: SECRET, env: {}, onEvent, maxBodyBytes }),
  authentic: () => ({ body, headers: { 'content-type': contentType, authorization: basic(SECRET) } }),
  forgeries: (request): ConformanceWebhookRequest[] => [
    { ...request, headers: { 'content-type': contentType } },
    { ...request, headers: { ...request.headers, authorization: basic('anymail:wrong') } },
  ],
  forgedStatus: 401,
});
