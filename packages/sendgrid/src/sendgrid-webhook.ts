import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import {
  AnymailConfigurationError,
  AnymailWebhookValidationFailure,
  MemoryReplayCache,
  createTrackingEvent,
  createTrackingWebhook,
  sharedWebhookOptions,
  isFormRequest,
  loadSetting,
  misroutedWebhook,
  parseEventTime,
  resolveWebhookSecrets,
  type AnymailTrackingEvent,
  type ReplayCache,
  type TrackingWebhook,
  type TrackingWebhookOptions,
} from '@anymail/core';
import {
  SENDGRID_DROP_REASONS,
  SENDGRID_EVENT_FIELDS,
  SENDGRID_EVENT_REJECT_REASONS,
  SENDGRID_EVENT_TYPES,
} from './sendgrid-event-map.js';

export interface SendGridTrackingWebhookOptions extends TrackingWebhookOptions {
  /**
   * The Signed Event Webhook public key (base64 DER, as SendGrid shows it, or PEM);
   * env SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY.
   */
  verificationKey?: string;
  /** SendGrid documents no window; we refuse signatures older or newer than this. @default 600 (10 minutes) */
  timestampToleranceSeconds?: number;
  /** Refuses a second use of the same signature within the window. @default a MemoryReplayCache per webhook */
  replayCache?: ReplayCache;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

const ESP_NAME = 'SendGrid';
const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';
type Json = Record<string, unknown>;

function importKey(key: string): KeyObject {
  try {
    return key.includes('-----BEGIN')
      ? createPublicKey(key)
      : createPublicKey({ key: Buffer.from(key.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new AnymailConfigurationError(
      'SendGrid verificationKey is not a valid public key: paste the "Verification Key" from the Signed Event Webhook settings',
      { espName: ESP_NAME, cause },
    );
  }
}

/** SendGrid Event Webhook: ECDSA P-256 signature over timestamp + raw body, one event per array item. */
export function trackingWebhook(options: SendGridTrackingWebhookOptions = {}): TrackingWebhook {
  const rawKey = loadSetting<string | undefined>({
    esp: 'sendgrid',
    name: 'verificationKey',
    value: options.verificationKey,
    default: undefined,
    extraEnv: ['SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY'],
    env: options.env,
  });
  if (rawKey === undefined && resolveWebhookSecrets('sendgrid', options.webhookSecret, options.env).length === 0) {
    throw new AnymailConfigurationError(
      'SendGrid tracking webhook needs verificationKey (env SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY) ' +
        'or webhookSecret (basic auth in the webhook URL); without one, anyone could post fake events.',
      { espName: ESP_NAME },
    );
  }
  const publicKey = rawKey === undefined ? undefined : importKey(rawKey);
  const toleranceMs = (options.timestampToleranceSeconds ?? 600) * 1000;
  const now = options.now ?? Date.now;
  const replayCache = options.replayCache ?? new MemoryReplayCache(undefined, now);

  return createTrackingWebhook({
    espName: ESP_NAME,
    esp: 'sendgrid',
    ...sharedWebhookOptions(options),
    async verify(request) {
      // Inbound Parse posts forms and signs nothing: name the right handler rather than "bad signature".
      if (isFormRequest(request)) throw misroutedWebhook(ESP_NAME, 'inbound', 'the Inbound Parse settings (Settings > Inbound Parse)');
      if (!publicKey) return;
      const signature = request.headers.get(SIGNATURE_HEADER) ?? '';
      const timestamp = request.headers.get(TIMESTAMP_HEADER) ?? '';
      const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), request.rawBody]);
      let valid = false;
      try {
        valid = signature !== '' && cryptoVerify('sha256', signed, publicKey, Buffer.from(signature, 'base64'));
      } catch {
        valid = false;
      }
      if (!valid) {
        throw new AnymailWebhookValidationFailure(
          'SendGrid webhook signature is missing or invalid (check verificationKey, and pass the raw body bytes unchanged)',
          { statusCode: 400, espName: ESP_NAME },
        );
      }
      const timestampMs = Number(timestamp) * 1000;
      if (!/^\d+$/.test(timestamp) || Math.abs(now() - timestampMs) > toleranceMs) {
        throw new AnymailWebhookValidationFailure('SendGrid webhook timestamp is outside the allowed window', {
          statusCode: 400,
          espName: ESP_NAME,
        });
      }
      await request.claim(replayCache, `sendgrid:${signature}`, timestampMs + toleranceMs);
    },
    parseEvents(request) {
      const body = request.json();
      if (!Array.isArray(body)) {
        throw new AnymailWebhookValidationFailure('SendGrid webhook body must be a JSON array of events', {
          statusCode: 400,
        });
      }
      return body.map((event) => sendGridEvent(event as Json));
    },
  });
}

/** Map one SendGrid event object. */
export function sendGridEvent(data: Json): AnymailTrackingEvent {
  const event = String(data.event ?? '');
  const eventType = SENDGRID_EVENT_TYPES[event] ?? 'unknown';
  const reason = str(data.reason);
  const rejectReason =
    event === 'dropped'
      ? ((reason ? SENDGRID_DROP_REASONS[reason] : undefined) ?? 'other')
      : (SENDGRID_EVENT_REJECT_REASONS[`${event}:${String(data.type)}`] ?? SENDGRID_EVENT_REJECT_REASONS[event]);
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (!SENDGRID_EVENT_FIELDS.has(key)) metadata[key] = value;
  const category = data.category;
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: data,
    eventType,
    timestamp: parseEventTime(data.timestamp),
    eventId: str(data.sg_event_id),
    messageId: str(data.anymail_id) ?? str(data['smtp-id']),
    recipient: str(data.email),
    tags: Array.isArray(category) ? category.map(String) : typeof category === 'string' ? [category] : [],
    metadata,
    rejectReason,
    description: reason,
    mtaResponse: str(data.response) ?? (event === 'bounce' ? reason : undefined),
    userAgent: str(data.useragent),
    clickUrl: str(data.url),
  });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
