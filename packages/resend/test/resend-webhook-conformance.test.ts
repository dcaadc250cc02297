import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { trackingWebhook } from '../src/resend-webhook.js';
import { TEST_SIGNING_SECRET, signResend } from './support/resend-sign.js';

const body = readFileSync(new URL('./fixtures/webhooks/email-delivered.json', import.meta.url), 'utf8');
const OTHER_SECRET = `whsec_${Buffer.from('some-other-resend-signing-key!!!').toString('base64')}`;

describeWebhookConformance({
  espName: 'Resend',
  create: (setup) => trackingWebhook({ signingSecret: TEST_SIGNING_SECRET, env: {}, ...setup }),
  authentic: (at) => signResend(body, at),
  forgeries(request): ConformanceWebhookRequest[] {
    const id = request.headers['svix-id']!;
    const timestamp = request.headers['svix-timestamp']!;
    const at = Number(timestamp) * 1000;
    return [
      { ...request, body: String(request.body).replace('delivered@resend.dev', 'attacker@example.com') },
      { ...request, headers: { ...request.headers, 'svix-timestamp': String(Number(timestamp) + 1) } },
      { ...request, headers: { ...request.headers, 'svix-id': `${id}x` } },
      { ...request, headers: { ...request.headers, 'svix-signature': signResend(body, at, OTHER_SECRET, id).headers['svix-signature']! } },
      { ...request, headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': timestamp } },
      { ...request, headers: { ...request.headers, 'svix-signature': request.headers['svix-signature']!.replace('v1,', 'v2,') } },
    ];
  },
  toleranceSeconds: 300,
});
