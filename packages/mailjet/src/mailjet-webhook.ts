import {
  AnymailWebhookValidationFailure,
  createTrackingEvent,
  createTrackingWebhook,
  misroutedWebhook,
  parseEventTime,
  sharedWebhookOptions,
  type AnymailTrackingEvent,
  type TrackingWebhook,
  type TrackingWebhookOptions,
} from '@anymail/core';
import { MAILJET_EVENT_TYPES, MAILJET_REJECT_REASONS, MAILJET_TEMPORARY_ERRORS } from './mailjet-event-map.js';
import { isMailjetInbound } from './mailjet-inbound.js';
import { readMailjetJson } from './mailjet-json.js';
import { parseEventPayload } from './mailjet-metadata.js';

/** Mailjet needs nothing beyond the shared options: basic auth (`webhookSecret`) is its only check. */
export type MailjetTrackingWebhookOptions = TrackingWebhookOptions;

const ESP_NAME = 'Mailjet';
type Json = Record<string, unknown>;

/**
 * Mailjet Event API webhook (one callback URL per event type, set in the account's "Event tracking"
 * page or with `POST /v3/REST/eventcallbackurl`). Mailjet signs nothing: put basic-auth credentials in
 * the URL (`https://user:pass@host/path`) and the same `webhookSecret` here (required). The body is one
 * event, or an array of events when "group events" (`Version: 2`) is on. Mailjet retries any answer
 * but 200 for 24 hours; an unknown `event` is accepted as an `unknown` event rather than refused.
 * `MessageID` exceeds 2^53, so the body is parsed without rounding and ids stay strings.
 */
export function trackingWebhook(options: MailjetTrackingWebhookOptions = {}): TrackingWebhook {
  return createTrackingWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'mailjet',
    requireBasicAuth: true,
    ...sharedWebhookOptions(options),
    readEnvelope: (request) => readMailjetJson(request.text, 'webhook'),
    parseEvents(body) {
      const records = Array.isArray(body) ? body : [body];
      return records.map((record, index) => {
        if (typeof record !== 'object' || record === null || Array.isArray(record)) {
          throw new AnymailWebhookValidationFailure(
            `Mailjet webhook body must be an event object or an array of them (item ${index} is not an object)`,
            { statusCode: 400, espName: ESP_NAME },
          );
        }
        if (isMailjetInbound(record as Json)) throw misroutedWebhook(ESP_NAME, 'inbound', "the Parse API route's Url");
        return mailjetEvent(record as Json);
      });
    },
  });
}

/** Map one Mailjet event object. */
export function mailjetEvent(data: Json): AnymailTrackingEvent {
  const event = String(data.event ?? '');
  const error = str(data.error);
  let eventType = MAILJET_EVENT_TYPES[event] ?? 'unknown';
  if (eventType === 'bounced' && error !== undefined && MAILJET_TEMPORARY_ERRORS.has(error) && data.hard_bounce !== true) {
    eventType = 'deferred';
  }
  let rejectReason: AnymailTrackingEvent['rejectReason'];
  if (error !== undefined && (eventType === 'bounced' || eventType === 'rejected' || eventType === 'deferred')) {
    rejectReason = MAILJET_REJECT_REASONS[error] ?? 'other';
  } else if (eventType === 'complained') {
    rejectReason = 'spam';
  } else if (eventType === 'unsubscribed') {
    rejectReason = 'unsubscribed';
  }
  const campaign = str(data.customcampaign);
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: data,
    eventType,
    timestamp: parseEventTime(data.time),
    // Mailjet gives no id per event; `mj_message_id` (sent events) is MessageID as a string.
    messageId: str(data.mj_message_id) ?? idString(data.MessageID),
    recipient: str(data.email),
    tags: campaign ? [campaign] : [],
    metadata: parseEventPayload(data.Payload),
    rejectReason,
    description: str(data.comment) ?? (error && str(data.error_related_to) ? `${str(data.error_related_to)}: ${error}` : error),
    mtaResponse: str(data.smtp_reply),
    userAgent: str(data.agent),
    clickUrl: str(data.url),
  });
}

/** A message id as a string: the lossless parser already turned big ones into strings. */
function idString(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
