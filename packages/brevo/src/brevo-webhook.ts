import {
  AnymailWebhookValidationFailure,
  createTrackingEvent,
  createTrackingWebhook,
  misroutedWebhook,
  sharedWebhookOptions,
  type AnymailTrackingEvent,
  type TrackingWebhook,
  type TrackingWebhookOptions,
} from '@anymail/core';
import { BREVO_EVENT_TYPES } from './brevo-event-map.js';
import { brevoWebhookAuth, type BrevoWebhookAuthOptions } from './brevo-webhook-auth.js';

/** Brevo's tracking webhook: the shared options plus Brevo's two ways to authenticate. */
export interface BrevoTrackingWebhookOptions extends TrackingWebhookOptions, BrevoWebhookAuthOptions {}

const ESP_NAME = 'Brevo';
type Json = Record<string, unknown>;

/**
 * Brevo transactional webhook (Transactional → Settings → Webhook, or `POST /v3/webhooks` with
 * `type: 'transactional'`). One event per post, or an array of events when the webhook is
 * `batched`. Brevo signs nothing: basic auth in the URL (`webhookSecret`) or a bearer token
 * (`webhookToken`) is required. An unknown `event` is accepted as an `unknown` event.
 * https://developers.brevo.com/docs/transactional-webhooks
 */
export function trackingWebhook(options: BrevoTrackingWebhookOptions = {}): TrackingWebhook {
  const auth = brevoWebhookAuth(options, 'tracking webhook');
  return createTrackingWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'brevo',
    ...sharedWebhookOptions(options),
    webhookSecret: auth.pipelineSecret,
    requireBasicAuth: auth.requireBasicAuth,
    readEnvelope(request) {
      auth.check?.(request);
      return request.json();
    },
    parseEvents(body) {
      const records = Array.isArray(body) ? (body as unknown[]) : [body];
      return records.map((record) => {
        if (typeof record !== 'object' || record === null || Array.isArray(record)) {
          throw new AnymailWebhookValidationFailure('Brevo webhook body must be a JSON object (or an array of them)', {
            statusCode: 400,
            espName: ESP_NAME,
          });
        }
        if ('items' in record) throw misroutedWebhook(ESP_NAME, 'inbound', "the inbound webhook's url (POST /v3/webhooks, type 'inbound')");
        return brevoEvent(record as Json);
      });
    },
  });
}

/** Map one Brevo transactional webhook event. */
export function brevoEvent(data: Json): AnymailTrackingEvent {
  const name = String(data.event ?? '');
  // Own keys only: an event named `constructor` is unknown, not Object.prototype's.
  // BREVO_EVENT_TYPES has no prototype (lookupTable): a name like "constructor" finds nothing.
  const [eventType, rejectReason] = BREVO_EVENT_TYPES[name] ?? (['unknown', undefined] as const);
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: data,
    eventType,
    rejectReason,
    timestamp: eventTime(data),
    // Brevo gives no event id (its `id` is the webhook's or the account's): dedupe on message-id, event and ts_epoch.
    eventId: undefined,
    messageId: str(data['message-id']),
    recipient: str(data.email),
    tags: tagsOf(data),
    metadata: metadataOf(data['X-Mailin-custom']),
    mtaResponse: str(typeof data.reason === 'string' ? data.reason.trim() : undefined),
    userAgent: str(data.user_agent),
    clickUrl: str(data.link),
  });
}

/**
 * `ts_epoch` (milliseconds, UTC) is the one reliable time: `date`, `ts` and `ts_event` follow the
 * account's time zone setting (observed by django-anymail), so they are not used.
 */
function eventTime(data: Json): Date | undefined {
  const ms = typeof data.ts_epoch === 'number' ? data.ts_epoch : typeof data.ts_epoch === 'string' ? Number(data.ts_epoch) : NaN;
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** `tags` (an array) when the message was sent with tags; else `tag`, which may hold them JSON-encoded. */
function tagsOf(data: Json): string[] {
  if (Array.isArray(data.tags)) return data.tags.filter((tag): tag is string => typeof tag === 'string' && tag !== '');
  const tag = str(data.tag);
  if (tag === undefined) return [];
  if (tag.startsWith('[')) {
    try {
      const list = JSON.parse(tag) as unknown;
      if (Array.isArray(list)) return list.filter((item): item is string => typeof item === 'string' && item !== '');
    } catch {
      // not JSON: a tag that happens to start with '['
    }
  }
  return [tag];
}

/** Anymail sends metadata as JSON in the X-Mailin-custom header; Brevo echoes that string back. */
function metadataOf(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string' || value === '') return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
