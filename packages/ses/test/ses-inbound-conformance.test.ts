import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { inboundWebhook } from '../src/ses-inbound.js';
import { makeTestCertificate, signSns, snsHeaders } from './ses-webhook-helpers.js';

const TOPIC = 'arn:aws:sns:us-east-1:012345678912:example-topic';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const { keyPem, certPem } = makeTestCertificate();
const record = readFileSync(new URL('./fixtures/inbound/ses-received-sns-action.json', import.meta.url), 'utf8');

function notification(at: number): ConformanceWebhookRequest {
  const message = signSns({ Type: 'Notification', MessageId: randomUUID(), TopicArn: TOPIC, Message: record,
    Timestamp: new Date(at).toISOString(), SigningCertURL: CERT_URL }, keyPem, '2');
  return { body: JSON.stringify(message), headers: snsHeaders(message) };
}

describeWebhookConformance({
  espName: 'Amazon SES',
  create: ({ onEvent, ...setup }) =>
    inboundWebhook({ topicArns: [TOPIC], env: {}, certificateFetcher: async () => certPem, onEvent, ...setup }),
  authentic: (at) => notification(at),
  forgeries(request) {
    const message = JSON.parse(String(request.body)) as Record<string, string>;
    const variant = (changes: Record<string, string | undefined>) => {
      const changed = { ...message, ...changes };
      return { body: JSON.stringify(changed), headers: snsHeaders(changed) };
    };
    return [
      variant({ Message: message.Message!.replace('Example content', 'Forged content') }),
      variant({ Signature: undefined }),
      variant({ TopicArn: `${TOPIC}-other` }),
    ];
  },
  toleranceSeconds: 3600,
  wrongContentType: 'application/x-www-form-urlencoded',
});
