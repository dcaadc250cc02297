import { lookupTable, type EventType, type RejectReason } from '@anymail/core';

/**
 * Brevo transactional webhook `event` → [event type, reject reason]. Brevo spells events one way
 * when you subscribe (`hardBounce`, `uniqueOpened`, …: the `createWebhook.events` enum of its API
 * description) and another in the payload (`hard_bounce`, `unique_opened`, …: the transactional
 * webhooks docs); both families are mapped, as is `unsubscribe` (seen by django-anymail).
 * https://developers.brevo.com/docs/transactional-webhooks
 */
export const BREVO_EVENT_TYPES: Readonly<Record<string, readonly [EventType, RejectReason | undefined]>> = lookupTable({
  // Brevo accepted the message ("sent"/"request"): it arrives even when Brevo will not deliver.
  request: ['queued', undefined],
  sent: ['queued', undefined],
  delivered: ['delivered', undefined],
  hard_bounce: ['bounced', 'bounced'],
  hardBounce: ['bounced', 'bounced'],
  // Soft bounces are `bounced` too, as django-anymail maps them; Brevo reports its own retries as `deferred`.
  soft_bounce: ['bounced', 'bounced'],
  softBounce: ['bounced', 'bounced'],
  blocked: ['rejected', 'blocked'],
  invalid_email: ['bounced', 'invalid'],
  invalid: ['bounced', 'invalid'],
  deferred: ['deferred', undefined],
  spam: ['complained', 'spam'],
  complaint: ['complained', 'spam'],
  // First open, later opens, and the two "loaded by proxy" (Apple Mail Privacy Protection) kinds.
  opened: ['opened', undefined],
  unique_opened: ['opened', undefined],
  uniqueOpened: ['opened', undefined],
  proxy_open: ['opened', undefined],
  unique_proxy_open: ['opened', undefined],
  unique_proxy_opened: ['opened', undefined],
  click: ['clicked', undefined],
  unsubscribed: ['unsubscribed', 'unsubscribed'],
  unsubscribe: ['unsubscribed', 'unsubscribed'],
  error: ['failed', 'other'],
  // Marketing-only events, should one reach a transactional URL.
  list_addition: ['subscribed', undefined],
  listAddition: ['subscribed', undefined],
});
