import {
  AnymailWebhookValidationFailure,
  createTrackingEvent,
  createTrackingWebhook,
  misroutedWebhook,
  sharedWebhookOptions,
  parseEventTime,
  type AnymailTrackingEvent,
  type TrackingWebhook,
  type TrackingWebhookOptions,
} from '@anymail/core';
import { isPostmarkInbound } from './postmark-inbound.js';
import { POSTMARK_BOUNCE_TYPES, POSTMARK_RECORD_TYPES, POSTMARK_TIME_FIELDS } from './postmark-event-map.js';

/** Postmark needs nothing beyond the shared options: basic auth (`webhookSecret`) is its only check. */
export type PostmarkTrackingWebhookOptions = TrackingWebhookOptions;

const ESP_NAME = 'Postmark';
type Json = Record<string, unknown>;

/**
 * Postmark tracking webhook. Postmark signs nothing, so basic auth (`webhookSecret`, required)
 * is the only check. Postmark drops an event on any 4xx except 408/429: a bad credential
 * answers 401 (the event is lost, by design for forgeries); a failing receiver answers 500
 * (retried); an unknown RecordType is accepted as an `unknown` event rather than refused.
 */
export function trackingWebhook(options: PostmarkTrackingWebhookOptions = {}): TrackingWebhook {
  return createTrackingWebhook({
    espName: ESP_NAME,
    esp: 'postmark',
    requireBasicAuth: true,
    ...sharedWebhookOptions(options),
    parseEvents(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new AnymailWebhookValidationFailure('Postmark webhook body must be a JSON object', { statusCode: 400 });
      }
      if (isPostmarkInbound(body as Json)) throw misroutedWebhook(ESP_NAME, 'inbound', "the inbound message stream's webhook URL");
      return [postmarkEvent(body as Json)];
    },
  });
}

/** Map one Postmark webhook record. */
export function postmarkEvent(data: Json): AnymailTrackingEvent {
  const recordType = String(data.RecordType ?? '');
  let eventType = POSTMARK_RECORD_TYPES[recordType] ?? 'unknown';
  let rejectReason: AnymailTrackingEvent['rejectReason'];
  if (recordType === 'Bounce') {
    [eventType, rejectReason] = POSTMARK_BOUNCE_TYPES[String(data.Type)] ?? ['bounced', 'other'];
  } else if (recordType === 'SpamComplaint') {
    rejectReason = 'spam';
  } else if (recordType === 'SubscriptionChange') {
    eventType = data.SuppressSending === false ? 'subscribed' : 'unsubscribed';
    rejectReason = eventType === 'unsubscribed' ? 'unsubscribed' : undefined;
  }
  const timeField = POSTMARK_TIME_FIELDS.find((name) => typeof data[name] === 'string');
  const tag = str(data.Tag);
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: data,
    eventType,
    timestamp: timeField ? parseEventTime(data[timeField]) : undefined,
    eventId: data.ID === undefined || data.ID === null ? undefined : String(data.ID),
    messageId: str(data.MessageID),
    recipient: str(data.Recipient) ?? str(data.Email),
    tags: tag ? [tag] : [],
    metadata: (typeof data.Metadata === 'object' && data.Metadata !== null ? data.Metadata : {}) as Record<string, unknown>,
    rejectReason,
    description: str(data.Description) ?? str(data.SuppressionReason),
    mtaResponse: str(data.Details),
    userAgent: str(data.UserAgent),
    clickUrl: str(data.OriginalLink),
  });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
