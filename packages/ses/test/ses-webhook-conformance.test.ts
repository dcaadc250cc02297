import { randomUUID } from 'node:crypto';
import { describeWebhookConformance, type ConformanceWebhookRequest } from '@anymail/core/test/vitest';
import { trackingWebhook } from '../src/ses-webhook.js';
import { makeTestCertificate, signSns, snsHeaders } from './ses-webhook-helpers.js';

const TOPIC = 'arn:aws:sns:us-west-2:123456789012:Conformance';
const CERT_URL = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const { keyPem, certPem } = makeTestCertificate();
const otherKey = makeTestCertificate().keyPem;
const record = { eventType: 'Delivery', mail: { messageId: 'm-1', destination: ['a@example.com'], timestamp: '2024-01-01T00:00:00Z' },
  delivery: { recipients: ['a@example.com'], timestamp: '2024-01-01T00:00:01Z' } };

function notification(at: number, key = keyPem): ConformanceWebhookRequest {
  const message = signSns({ Type: 'Notification', MessageId: randomUUID(), TopicArn: TOPIC, Message: JSON.stringify(record),
    Timestamp: new Date(at).toISOString(), SigningCertURL: CERT_URL }, key, '2');
  return { body: JSON.stringify(message), headers: snsHeaders(message) };
}

describeWebhookConformance({
  espName: 'Amazon SES',
  // The certificate fetcher is the only stand-in: SNS certificates live on AWS.
  create: (setup) => trackingWebhook({ topicArns: [TOPIC], env: {}, certificateFetcher: async () => certPem, ...setup }),
  authentic: (at) => notification(at),
  forgeries(request) {
    const message = JSON.parse(String(request.body)) as Record<string, string>;
    const variant = (changes: Record<string, string | undefined>) => {
      const changed = { ...message, ...changes };
      return { body: JSON.stringify(changed), headers: snsHeaders(changed) };
    };
    return [
      variant({ Message: message.Message!.replace('a@example.com', 'b@example.com') }),
      variant({ Subject: 'added after signing' }),
      variant({ Signature: JSON.parse(String(notification(Date.parse(message.Timestamp!), otherKey).body)).Signature }),
      variant({ SignatureVersion: '1' }),
      variant({ SignatureVersion: '3' }),
      variant({ Signature: undefined }),
      variant({ TopicArn: `${TOPIC}-other` }),
    ];
  },
  toleranceSeconds: 3600,
  wrongContentType: 'application/x-www-form-urlencoded',
});
