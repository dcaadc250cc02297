import {
  AnymailWebhookValidationFailure,
  createTrackingEvent,
  createTrackingWebhook,
  misroutedWebhook,
  parseEventTime,
  sharedWebhookOptions,
  type AnymailTrackingEvent,
  type RejectReason,
  type TrackingWebhook,
  type TrackingWebhookOptions,
} from '@anymail/core';
import {
  MAILERSEND_ACTIVITY_TYPES,
  MAILERSEND_META_DESCRIPTIONS,
  MAILERSEND_MORPH_REASONS,
  MAILERSEND_PING_TYPES,
} from './mailersend-event-map.js';
import { mailerSendSigner, verifyMailerSendSignature } from './mailersend-signature.js';

export interface MailerSendTrackingWebhookOptions extends TrackingWebhookOptions {
  /**
   * The webhook's signing secret (Domains > Webhooks > the webhook's page; MailerSend makes one
   * per webhook, and a new one when the webhook is edited). A list accepts any of them (rotation,
   * or one handler for several domains' webhooks). Required: MailerSend signs every post.
   * Env: `MAILERSEND_SIGNING_SECRET` or `ANYMAIL_MAILERSEND_SIGNING_SECRET` (comma-separated for several).
   */
  signingSecret?: string | readonly string[];
}

const ESP_NAME = 'MailerSend';
type Json = Record<string, unknown>;

/**
 * MailerSend activity webhook: `Signature` (HMAC-SHA256 of the raw body) checked, one event per
 * post, both payload shapes (current `data.message_id`, older `data.email.message.id`).
 * MailerSend signs no timestamp, so a replayed authentic post can't be told from the original:
 * dedupe on `event.eventId` (MailerSend's activity id) where a repeat matters. MailerSend waits 3 s
 * for an answer and retries twice (after 10 s and 100 s): keep receivers fast.
 */
export function trackingWebhook(options: MailerSendTrackingWebhookOptions = {}): TrackingWebhook {
  const signer = mailerSendSigner({
    name: 'signingSecret',
    value: options.signingSecret,
    env: options.env,
    hint: "copy the webhook's signing secret from MailerSend (Domains > Webhooks).",
  });
  return createTrackingWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'mailersend',
    ...sharedWebhookOptions(options),
    verify: (_body, request) => verifyMailerSendSignature(signer, request, 'signingSecret (env MAILERSEND_SIGNING_SECRET)'),
    parseEvents(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new AnymailWebhookValidationFailure('MailerSend webhook body must be a JSON object', { statusCode: 400, espName: ESP_NAME });
      }
      const type = str((body as Json).type);
      if (type !== undefined && MAILERSEND_PING_TYPES.has(type)) return [];
      if (type === 'inbound.message') throw misroutedWebhook(ESP_NAME, 'inbound', "the inbound route's endpoint URL (Domains > Inbound routing)");
      return [mailerSendEvent(body as Json)];
    },
  });
}

/** Map one MailerSend webhook post (either payload shape). Non-activity posts become `unknown` events. */
export function mailerSendEvent(post: Json): AnymailTrackingEvent {
  const data = obj(post.data);
  return obj(data.email) !== EMPTY || 'morph' in data ? legacyEvent(post, data) : currentEvent(post, data);
}

/** Current shape: `data {id, type, email, message_id, tags, meta {…}}`. */
function currentEvent(post: Json, data: Json): AnymailTrackingEvent {
  const [eventType, rejectReason] = activityType(post, data);
  const meta = obj(data.meta);
  const description = MAILERSEND_META_DESCRIPTIONS.map((name) => str(meta[name])).find(Boolean);
  const bounceCode = meta.bounce_code;
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: post,
    eventType,
    rejectReason,
    timestamp: parseEventTime(post.created_at) ?? parseEventTime(data.created_at),
    eventId: str(data.id),
    messageId: str(data.message_id),
    recipient: str(data.email) ?? str(data.recipient),
    tags: tags(data.tags),
    description,
    mtaResponse: typeof bounceCode === 'string' || typeof bounceCode === 'number' ? String(bounceCode) : undefined,
    userAgent: str(meta.user_agent),
    clickUrl: str(meta.url),
  });
}

/** Older shape: `data {object: 'activity', id, type, created_at, email {message {id}, recipient {email}, tags}, morph}`. */
function legacyEvent(post: Json, data: Json): AnymailTrackingEvent {
  const [eventType, typeReason] = activityType(post, data);
  const email = obj(data.email);
  const morph = obj(data.morph);
  const morphReason: RejectReason | undefined = MAILERSEND_MORPH_REASONS[str(morph.object) ?? ''];
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: post,
    eventType,
    rejectReason: morphReason ?? typeReason,
    timestamp: parseEventTime(data.created_at) ?? parseEventTime(post.created_at),
    eventId: str(data.id),
    messageId: str(obj(email.message).id),
    recipient: str(obj(email.recipient).email),
    tags: tags(email.tags),
    description: str(morph.readable_reason) ?? str(morph.reason),
    clickUrl: str(morph.url),
    userAgent: str(morph.user_agent),
  });
}

/** `data.type` (or the top-level `activity.<type>`) → [event type, reject reason]. */
function activityType(post: Json, data: Json): readonly [AnymailTrackingEvent['eventType'], RejectReason | undefined] {
  const top = str(post.type) ?? '';
  const type = str(data.type) ?? (top.startsWith('activity.') ? top.slice('activity.'.length) : '');
  if (top !== '' && !top.startsWith('activity.')) return ['unknown', undefined]; // bulk_email.completed, maintenance.start, …
  return MAILERSEND_ACTIVITY_TYPES[type] ?? ['unknown', undefined];
}

const EMPTY: Json = Object.freeze({}) as Json;
function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : EMPTY;
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
function tags(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string') : [];
}
