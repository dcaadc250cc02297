import {
  AnymailAPIError,
  AnymailConfigurationError,
  AnymailWebhookBusy,
  AnymailWebhookValidationFailure,
  SignedWebhook,
  createTrackingEvent,
  createTrackingWebhook,
  sharedWebhookOptions,
  loadSetting,
  misroutedWebhook,
  type AnymailTrackingEvent,
  type SignedWebhookOptions,
  type TrackingWebhook,
  type TrackingWebhookOptions,
  type WebhookRequest,
} from '@anymail/core';
import { sesEvents } from './ses-event-map.js';
import {
  SnsCertificateCache,
  SnsCertificateError,
  isSnsUrl,
  snsSignatureAlgorithm,
  verifySnsSignature,
  type SnsCertificateFetcher,
  type SnsEnvelope,
} from './ses-sns.js';

export interface SesTrackingWebhookOptions extends TrackingWebhookOptions, SignedWebhookOptions {
  /** SNS topics whose messages are accepted (required); env SES_TOPIC_ARNS (comma-separated). */
  topicArns?: readonly string[];
  /** Confirm SNS subscriptions to allowed topics by calling their SubscribeURL. @default false */
  autoConfirmSubscriptions?: boolean;
  /**
   * Fetches signing certificates (PEM). Only ever called with an
   * https://sns.<topic's region>.amazonaws.com/SimpleNotificationService-….pem URL. Certificates and
   * failures are cached by URL.
   */
  certificateFetcher?: SnsCertificateFetcher;
  /** A certificate fetch taking longer is abandoned and the request answered 503 (SNS retries). @default 5000 */
  certificateTimeoutMs?: number;
  /** Used to call SubscribeURL. @default globalThis.fetch */
  fetch?: (url: string) => Promise<Response>;
  /** Refuse messages whose Timestamp is older than this (SNS retries keep the original). @default 3600 */
  timestampToleranceSeconds?: number;
}

const ESP_NAME = 'Amazon SES';
const MESSAGE_TYPES = new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);
const fail = (message: string) => new AnymailWebhookValidationFailure(message, { statusCode: 400, espName: ESP_NAME });

/** Parse an SNS envelope once (malformed or not SNS → 400). */
export function readSnsEnvelope(request: WebhookRequest): SnsEnvelope {
  const body = request.json() as Partial<SnsEnvelope> | null;
  if (typeof body !== 'object' || body === null || typeof body.Type !== 'string' || !MESSAGE_TYPES.has(body.Type)) {
    throw fail('Body is not an SNS message (is raw message delivery on? It must be off: raw messages are unsigned)');
  }
  for (const name of ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'Signature', 'SigningCertURL'] as const) {
    if (typeof body[name] !== 'string') throw fail(`SNS message has no ${name}`);
  }
  return body as SnsEnvelope;
}

/** Options of {@link snsVerifier}: what tracking and inbound SES webhooks share. */
export type SnsVerifierOptions = Pick<
  SesTrackingWebhookOptions,
  'topicArns' | 'certificateFetcher' | 'certificateTimeoutMs' | 'timestampToleranceSeconds' | 'replayCache' | 'now' | 'env'
>;

/**
 * The SNS checks, in cheapest-first order: headers agree with the body, topic allowed, certificate
 * URL in the topic's region, timestamp window (no fetch for a stale forgery), certificate (cached,
 * timed out), signature, then the MessageId replay claim.
 */
export function snsVerifier(options: SnsVerifierOptions): (envelope: SnsEnvelope, request: WebhookRequest) => Promise<void> {
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
  const signed = new SignedWebhook<never>({
    espName: ESP_NAME,
    esp: 'sns',
    keys: [],
    defaultToleranceSeconds: 3600,
    maxFutureSeconds: 300,
    timestampToleranceSeconds: options.timestampToleranceSeconds,
    replayCache: options.replayCache,
    now: options.now,
  });
  const certificates = new SnsCertificateCache(options.certificateFetcher, {
    now: signed.now,
    ...(options.certificateTimeoutMs === undefined ? {} : { timeoutMs: options.certificateTimeoutMs }),
  });

  return async (envelope, request) => {
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
    const region = envelope.TopicArn.split(':')[3];
    if (!isSnsUrl(envelope.SigningCertURL, { pem: true, region })) {
      throw fail(`SNS SigningCertURL is not an https://sns.${region ?? '<region>'}.amazonaws.com/SimpleNotificationService-….pem URL`);
    }
    const sentAt = Date.parse(envelope.Timestamp);
    signed.assertFresh(sentAt);
    let certificate;
    try {
      certificate = await certificates.get(envelope.SigningCertURL);
    } catch (error) {
      if (error instanceof SnsCertificateError && error.reason === 'missing') {
        throw fail('SNS SigningCertURL does not hold a signing certificate (forged message?)');
      }
      // Transient (timeout, network, AWS 5xx): 503 so SNS retries later.
      throw new AnymailWebhookBusy('Could not fetch the SNS signing certificate; please retry', { espName: ESP_NAME, cause: error, retryAfterMs: 30_000 });
    }
    // Real time, not the injectable clock: the certificate's validity is a fact about today.
    const nowDate = new Date();
    if (nowDate < new Date(certificate.validFrom) || nowDate > new Date(certificate.validTo)) {
      throw fail('SNS signing certificate is not valid now');
    }
    if (!verifySnsSignature(envelope, certificate)) throw fail('SNS message signature is invalid');
    // The MessageId is signed, and SNS keeps it across retries of one message.
    await signed.claim(request, envelope.MessageId, sentAt);
  };
}

/** Amazon SES tracking webhook: SES events through an SNS HTTPS subscription. */
export function trackingWebhook(options: SesTrackingWebhookOptions = {}): TrackingWebhook {
  const verify = snsVerifier(options);
  const handleControl = snsControlMessages(options);

  return createTrackingWebhook<SnsEnvelope>({
    espName: ESP_NAME,
    esp: 'ses',
    ...sharedWebhookOptions(options),
    // SNS posts its JSON envelope as text/plain.
    contentTypes: ['text/plain', 'application/json'],
    readEnvelope: readSnsEnvelope,
    verify,
    async parseEvents(envelope) {
      if (await handleControl(envelope)) return [];
      return notificationEvents(envelope);
    },
  });
}

/** Confirm an SNS subscription by calling its SubscribeURL (only an SNS URL). */
/**
 * SNS's own messages, shared by the tracking and inbound handlers: a SubscriptionConfirmation is
 * confirmed when `autoConfirmSubscriptions` is on, and neither it nor an UnsubscribeConfirmation
 * carries events. Answers whether the envelope was one of them.
 */
export function snsControlMessages(options: {
  autoConfirmSubscriptions?: boolean | undefined;
  fetch?: ((url: string) => Promise<Response>) | undefined;
}): (envelope: SnsEnvelope) => Promise<boolean> {
  const confirmFetch = options.fetch ?? ((url: string) => fetch(url, { redirect: 'error' }));
  return async (envelope) => {
    if (envelope.Type === 'SubscriptionConfirmation') {
      if (options.autoConfirmSubscriptions) await confirmSubscription(envelope, confirmFetch);
      return true;
    }
    return envelope.Type === 'UnsubscribeConfirmation';
  };
}

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
