import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { inboundWebhook } from '../src/resend-inbound.js';
import { TEST_SIGNING_SECRET, signResend } from './support/resend-sign.js';

const body = readFileSync(new URL('./fixtures/inbound/email-received.json', import.meta.url), 'utf8');

describeWebhookConformance({
  espName: 'Resend',
  create: (setup) => inboundWebhook({ signingSecret: TEST_SIGNING_SECRET, env: {}, ...setup }),
  authentic: (at) => signResend(body, at),
  forgeries(request): ConformanceWebhookRequest[] {
    const timestamp = request.headers['svix-timestamp']!;
    return [
      { ...request, body: String(request.body).replace('forwarded@example.com', 'attacker@example.com') },
      { ...request, headers: { ...request.headers, 'svix-timestamp': String(Number(timestamp) - 1) } },
      { ...request, headers: { 'content-type': 'application/json' } },
    ];
  },
  toleranceSeconds: 300,
});
