import { lookupTable, type EventType, type RejectReason } from '@anymail/core';

/**
 * SparkPost event `type` → Anymail event type, for every type SparkPost documents in its webhook
 * event reference (https://developers.sparkpost.com/api/webhooks/#header-webhook-event-types).
 * `initial_open` and `amp_initial_open` are `unknown` unless `trackInitialOpenAsOpened` is set:
 * SparkPost sends both an initial open and an open for the same view when both are enabled.
 */
export const SPARKPOST_EVENT_TYPES: Readonly<Record<string, EventType>> = lookupTable({
  // message_event
  injection: 'queued',
  delivery: 'delivered',
  delay: 'deferred',
  bounce: 'bounced',
  out_of_band: 'bounced',
  policy_rejection: 'rejected',
  spam_complaint: 'complained',
  sms_status: 'unknown',
  // track_event
  open: 'opened',
  amp_open: 'opened',
  click: 'clicked',
  amp_click: 'clicked',
  initial_open: 'unknown',
  amp_initial_open: 'unknown',
  // gen_event
  generation_failure: 'failed',
  generation_rejection: 'rejected',
  // unsubscribe_event
  list_unsubscribe: 'unsubscribed',
  link_unsubscribe: 'unsubscribed',
});

/** The initial-open types that become `opened` with `trackInitialOpenAsOpened`. */
export const SPARKPOST_INITIAL_OPEN_TYPES: ReadonlySet<string> = new Set(['initial_open', 'amp_initial_open']);

/**
 * SparkPost `bounce_class` → [event type, reject reason], from SparkPost's bounce classification
 * table (https://support.sparkpost.com/docs/deliverability/bounce-classification-codes).
 * Soft bounces (SparkPost retries them) are `deferred`; classes SparkPost counts as
 * "Admin" or "Block" are `bounced` with reason `blocked`; the few that are not bounces at all
 * (auto-replies, subscribe/unsubscribe requests) get their own type.
 */
export const SPARKPOST_BOUNCE_CLASSES: Readonly<Record<string, readonly [EventType, RejectReason | undefined]>> = lookupTable({
  '1': ['bounced', 'other'], // Undetermined
  '10': ['bounced', 'invalid'], // Invalid Recipient
  '20': ['deferred', 'other'], // Soft Bounce
  '21': ['deferred', 'other'], // DNS Failure
  '22': ['deferred', 'other'], // Mailbox Full
  '23': ['bounced', 'other'], // Too Large
  '24': ['deferred', 'timed_out'], // Timeout
  '25': ['bounced', 'blocked'], // Admin Failure (the sender's own policy, e.g. suppression)
  '26': ['bounced', 'blocked'], // Smart Send Suppression
  '30': ['bounced', 'invalid'], // Generic Bounce: No RCPT
  '40': ['bounced', 'bounced'], // Generic Bounce
  '50': ['bounced', 'blocked'], // Mail Block
  '51': ['bounced', 'spam'], // Spam Block
  '52': ['bounced', 'spam'], // Spam Content
  '53': ['bounced', 'blocked'], // Prohibited Attachment
  '54': ['bounced', 'blocked'], // Relaying Denied
  '60': ['autoresponded', undefined], // Auto-Reply
  '70': ['deferred', 'other'], // Transient Failure
  '80': ['subscribed', undefined], // Subscribe
  '90': ['unsubscribed', 'unsubscribed'], // Unsubscribe
  '100': ['autoresponded', undefined], // Challenge-Response
});

/** Reject reason of the event types that have one regardless of bounce class. */
export const SPARKPOST_EVENT_REJECT_REASONS: Readonly<Record<string, RejectReason>> = lookupTable({
  policy_rejection: 'blocked',
  generation_failure: 'other',
  generation_rejection: 'blocked',
  spam_complaint: 'spam',
  list_unsubscribe: 'unsubscribed',
  link_unsubscribe: 'unsubscribed',
});

/** The event classes (keys under `msys`) that carry tracking events; `relay_message` is inbound mail. */
export const SPARKPOST_TRACKING_CLASSES: ReadonlySet<string> = new Set([
  'message_event',
  'track_event',
  'gen_event',
  'unsubscribe_event',
  'relay_event',
  'ab_test_event',
  'ingest_event',
]);
