import {
  AnymailAPIError,
  AnymailConfigurationError,
  AnymailWebhookValidationFailure,
  MemoryReplayCache,
  createTrackingEvent,
  createTrackingWebhook,
  sharedWebhookOptions,
  loadSetting,
  misroutedWebhook,
  type AnymailTrackingEvent,
  type ReplayCache,
  type TrackingWebhook,
  type TrackingWebhookOptions,
  type WebhookRequest,
} from '@anymail/core';
import { sesEvents } from './ses-event-map.js';
import {
  SnsCertificateCache,
  isSnsUrl,
  snsSignatureAlgorithm,
  verifySnsSignature,
  type SnsCertificateFetcher,
  type SnsEnvelope,
} from './ses-sns.js';

export interface SesTrackingWebhookOptions extends TrackingWebhookOptions {
  /** SNS topics whose messages are accepted (required); env SES_TOPIC_ARNS (comma-separated). */
  topicArns?: readonly string[];
  /** Confirm SNS subscriptions to allowed topics by calling their SubscribeURL. @default false */
  autoConfirmSubscriptions?: boolean;
  /** Fetches signing certificates (PEM). Only ever called with an https://sns.<region>.amazonaws.com/….pem URL. */
  certificateFetcher?: SnsCertificateFetcher;
  /** Used to call SubscribeURL. @default globalThis.fetch */
  fetch?: (url: string) => Promise<Response>;
  /** Refuse messages whose Timestamp is older than this (SNS retries keep the original). @default 3600 */
  timestampToleranceSeconds?: number;
  /** Refuses a second delivery of the same SNS MessageId. @default a MemoryReplayCache per webhook */
  replayCache?: ReplayCache;
  /** Clock for the timestamp window, for tests. @default Date.now */
  now?: () => number;
}

const ESP_NAME = 'Amazon SES';
const MESSAGE_TYPES = new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);
const fail = (message: string) => new AnymailWebhookValidationFailure(message, { statusCode: 400, espName: ESP_NAME });

export function readEnvelope(request: WebhookRequest): SnsEnvelope {
  const body = request.json() as Partial<SnsEnvelope> | null;
  if (typeof body !== 'object' || body === null || typeof body.Type !== 'string' || !MESSAGE_TYPES.has(body.Type)) {
    throw fail('Body is not an SNS message (is raw message delivery on? It must be off: raw messages are unsigned)');
  }
  for (const name of ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'Signature', 'SigningCertURL'] as const) {
    if (typeof body[name] !== 'string') throw fail(`SNS message has no ${name}`);
  }
  return body as SnsEnvelope;
}

/** The SNS options shared by SES tracking and inbound webhooks. */
export type SnsVerifierOptions = Pick<
  SesTrackingWebhookOptions,
  'topicArns' | 'certificateFetcher' | 'timestampToleranceSeconds' | 'replayCache' | 'now' | 'env'
>;

/**
 * The SNS check shared by SES tracking and inbound webhooks: topic in the allow-list, headers matching
 * the body, signing certificate from an SNS URL, signature, timestamp window, MessageId replay cache.
 */
export function snsVerifier(options: SnsVerifierOptions): (request: WebhookRequest) => Promise<SnsEnvelope> {
  const topicArns = new Set(
    loadSetting<readonly string[]>({
      esp: 'ses',
      name: 'topicArns',
      value: options.topicArns,
      fromEnv: (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean),
      env: options.env,
    }),
  );
  if (topicArns.size === 0) {
    throw new AnymailConfigurationError('SES topicArns is empty: list the SNS topic ARNs this webhook accepts', {
      espName: ESP_NAME,
    });
  }
  const certificates = new SnsCertificateCache(options.certificateFetcher);
  const toleranceMs = (options.timestampToleranceSeconds ?? 3600) * 1000;
  const now = options.now ?? Date.now;
  const replayCache = options.replayCache ?? new MemoryReplayCache(undefined, now);
  return async (request) => {
    const envelope = readEnvelope(request);
    const headerChecks: [string, string][] = [
      ['x-amz-sns-message-type', envelope.Type],
      ['x-amz-sns-topic-arn', envelope.TopicArn],
      ['x-amz-sns-message-id', envelope.MessageId],
    ];
    if (request.headers.get('x-amz-sns-message-type') === null) throw fail('Missing x-amz-sns-message-type header');
    for (const [header, value] of headerChecks) {
      const given = request.headers.get(header);
      if (given !== null && given !== value) throw fail(`Header ${header} does not match the SNS message body`);
    }
    if (!topicArns.has(envelope.TopicArn)) throw fail(`SNS topic ${envelope.TopicArn} is not in topicArns`);
    if (!snsSignatureAlgorithm(envelope.SignatureVersion)) {
      throw fail(`Unsupported SNS SignatureVersion ${JSON.stringify(envelope.SignatureVersion)}`);
    }
    if (!isSnsUrl(envelope.SigningCertURL, { pem: true })) {
      throw fail('SNS SigningCertURL is not an https://sns.<region>.amazonaws.com/….pem URL');
    }
    let certificate;
    try {
      certificate = await certificates.get(envelope.SigningCertURL);
    } catch (cause) {
      // Transient: answered 500 so SNS retries.
      throw new AnymailAPIError('Could not fetch the SNS signing certificate', { espName: ESP_NAME, cause });
    }
    const nowDate = new Date();
    if (nowDate < new Date(certificate.validFrom) || nowDate > new Date(certificate.validTo)) {
      throw fail('SNS signing certificate is not valid now');
    }
    if (!verifySnsSignature(envelope, certificate)) throw fail('SNS message signature is invalid');
    const sentAt = Date.parse(envelope.Timestamp);
    if (!Number.isFinite(sentAt) || now() - sentAt > toleranceMs || sentAt - now() > 5 * 60_000) {
      throw fail('SNS message Timestamp is outside the allowed window');
    }
    await request.claim(replayCache, `sns:${envelope.MessageId}`, sentAt + toleranceMs);
    return envelope;
  };
}

/** Amazon SES tracking webhook: SES events through an SNS HTTPS subscription. */
export function trackingWebhook(options: SesTrackingWebhookOptions = {}): TrackingWebhook {
  const verify = snsVerifier(options);
  const confirmFetch = options.fetch ?? ((url: string) => fetch(url, { redirect: 'error' }));

  return createTrackingWebhook({
    espName: ESP_NAME,
    esp: 'ses',
    ...sharedWebhookOptions(options),
    async verify(request) {
      await verify(request);
    },
    async parseEvents(request) {
      const envelope = readEnvelope(request);
      if (envelope.Type === 'SubscriptionConfirmation') {
        if (options.autoConfirmSubscriptions) await confirmSubscription(envelope, confirmFetch);
        return [];
      }
      if (envelope.Type === 'UnsubscribeConfirmation') return [];
      return notificationEvents(envelope);
    },
  });
}

/** Confirm an SNS subscription by calling its SubscribeURL (only an SNS URL). */
export async function confirmSubscription(envelope: SnsEnvelope, confirmFetch: (url: string) => Promise<Response>) {
  const url = envelope.SubscribeURL ?? '';
  if (!isSnsUrl(url)) throw fail('SNS SubscribeURL is not an https://sns.<region>.amazonaws.com URL; not confirming');
  const response = await confirmFetch(url);
  if (!response.ok) {
    throw new AnymailAPIError(`Confirming the SNS subscription answered ${response.status}`, {
      espName: ESP_NAME,
      statusCode: response.status,
    });
  }
}

/** Events of one verified SNS Notification: SES records, or an `unknown` event for anything else. */
export function notificationEvents(envelope: SnsEnvelope): AnymailTrackingEvent[] {
  let record: unknown;
  try {
    record = JSON.parse(envelope.Message);
  } catch {
    record = undefined;
  }
  if (typeof record === 'object' && record !== null && (record as Record<string, unknown>).notificationType === 'Received') {
    throw misroutedWebhook(ESP_NAME, 'inbound', 'the SNS topic of your SES receipt rule (subscribe the inbound URL to it)');
  }
  if (typeof record === 'object' && record !== null && ('eventType' in record || 'notificationType' in record)) {
    return sesEvents(record as Record<string, unknown>, envelope.MessageId);
  }
  return [
    createTrackingEvent({
      espName: ESP_NAME,
      espEvent: envelope,
      eventType: 'unknown',
      eventId: envelope.MessageId,
      description: envelope.Subject ?? envelope.Message,
      timestamp: new Date(envelope.Timestamp),
    }),
  ];
}
