import {
  createTrackingEvent,
  createTrackingWebhook,
  loadSetting,
  misroutedWebhook,
  parseBooleanSetting,
  parseEventTime,
  sharedWebhookOptions,
  type AnymailTrackingEvent,
  type RejectReason,
  type TrackingWebhook,
  type TrackingWebhookOptions,
} from '@anymail/core';
import {
  SPARKPOST_BOUNCE_CLASSES,
  SPARKPOST_EVENT_REJECT_REASONS,
  SPARKPOST_EVENT_TYPES,
  SPARKPOST_INITIAL_OPEN_TYPES,
} from './sparkpost-event-map.js';
import { readSparkPostBatch, sparkPostTokenCheck, type SparkPostBatchItem, type SparkPostWebhookAuthOptions } from './sparkpost-envelope.js';

export interface SparkPostTrackingWebhookOptions extends TrackingWebhookOptions, SparkPostWebhookAuthOptions {
  /**
   * Report SparkPost's "Initial Open" (and "AMP Initial Open") as `opened`. Off by default, so a
   * view reported both as an initial open and as an open gives one `opened` event; turn it on if
   * you enable only initial opens in the SparkPost webhook.
   * Env: `SPARKPOST_TRACK_INITIAL_OPEN_AS_OPENED` or `ANYMAIL_SPARKPOST_TRACK_INITIAL_OPEN_AS_OPENED`.
   * @default false
   */
  trackInitialOpenAsOpened?: boolean;
}

const ESP_NAME = 'SparkPost';
type Json = Record<string, unknown>;

/**
 * SparkPost tracking webhook. SparkPost signs nothing: choose "Basic Auth" in the webhook's
 * authentication settings, with the `webhookSecret` credentials (or set the older `auth_token` and
 * `webhookToken`; one is required). SparkPost posts a JSON
 * array of `{"msys": {"<class>": {...}}}` items; the empty `[{"msys": {}}]` it posts when a webhook
 * is created must get 200 (or the webhook is not created), and it does: no events. SparkPost retries
 * any answer but 200 for 8 hours.
 */
export function trackingWebhook(options: SparkPostTrackingWebhookOptions = {}): TrackingWebhook {
  const checkToken = sparkPostTokenCheck(options);
  const initialOpenAsOpened = loadSetting<boolean>({
    esp: 'sparkpost',
    name: 'trackInitialOpenAsOpened',
    value: options.trackInitialOpenAsOpened,
    default: false,
    fromEnv: parseBooleanSetting,
    ...(options.env ? { env: options.env } : {}),
  });
  return createTrackingWebhook<SparkPostBatchItem[]>({
    espName: ESP_NAME,
    esp: 'sparkpost',
    ...sharedWebhookOptions(options),
    readEnvelope: (request) => readSparkPostBatch(request, checkToken),
    parseEvents(batch) {
      if (batch.some((item) => item.eventClass === 'relay_message')) {
        throw misroutedWebhook(ESP_NAME, 'inbound', "the relay webhook's target");
      }
      return batch.flatMap((item) => (item.eventClass === undefined ? [] : [sparkPostEvent(item, initialOpenAsOpened)]));
    },
  });
}

/** Map one SparkPost batch item (`{"msys": {"<class>": event}}`); the whole item is kept as `espEvent`. */
export function sparkPostEvent(item: SparkPostBatchItem, initialOpenAsOpened = false): AnymailTrackingEvent {
  const data = item.event;
  const type = str(data.type) ?? '';
  let eventType = SPARKPOST_EVENT_TYPES[type] ?? 'unknown';
  if (initialOpenAsOpened && SPARKPOST_INITIAL_OPEN_TYPES.has(type)) eventType = 'opened';
  let rejectReason: RejectReason | undefined = SPARKPOST_EVENT_REJECT_REASONS[type];
  if (type === 'bounce' || type === 'out_of_band') {
    const byClass = SPARKPOST_BOUNCE_CLASSES[String(data.bounce_class ?? '')];
    [eventType, rejectReason] = byClass ?? ['bounced', 'other'];
  } else if (type === 'delay') {
    rejectReason = SPARKPOST_BOUNCE_CLASSES[String(data.bounce_class ?? '')]?.[1];
  }
  const campaign = str(data.campaign_id);
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: item.raw,
    eventType,
    timestamp: parseEventTime(data.timestamp),
    eventId: idString(data.event_id),
    // Anymail's message id for SparkPost is the transmission id, the only id known at send time.
    messageId: idString(data.transmission_id),
    recipient: str(data.rcpt_to) ?? str(data.raw_rcpt_to),
    // SparkPost keeps Anymail's one tag in campaign_id; recipient tags come from stored lists.
    // (The event's rcpt_tags belong to stored recipient lists, not to the message: see espEvent.)
    tags: campaign ? [campaign] : [],
    metadata: isObject(data.rcpt_meta) ? data.rcpt_meta : {},
    rejectReason,
    description: str(data.reason),
    mtaResponse: str(data.raw_reason),
    userAgent: str(data.user_agent),
    clickUrl: str(data.target_link_url),
  });
}

/** SparkPost ids are decimal strings, or small bare numbers (big ones arrive as digits: read losslessly). */
function idString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
