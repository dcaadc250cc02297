import { lookupTable, type EventType, type RejectReason } from '@anymail/core';

/** Resend webhook `type` → Anymail event type (every `email.*` type Resend documents but `email.received`, which is inbound). */
export const RESEND_EVENT_TYPES: Readonly<Record<string, EventType>> = lookupTable({
  'email.sent': 'sent',
  'email.scheduled': 'queued',
  'email.delivered': 'delivered',
  'email.delivery_delayed': 'deferred',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.failed': 'failed',
  'email.suppressed': 'rejected',
});

/** Reject reasons by event type, refined below by the bounce or suppression details. */
export const RESEND_EVENT_REJECT_REASONS: Readonly<Record<string, RejectReason>> = lookupTable({
  'email.bounced': 'bounced',
  'email.complained': 'spam',
  'email.failed': 'other',
  'email.suppressed': 'blocked',
});

/**
 * `data.bounce.type` → [event type, reject reason]. Resend's bounce types are SES's: Permanent is a hard
 * bounce, Transient a soft one (Resend may still deliver), Undetermined unknown.
 */
export const RESEND_BOUNCE_TYPES: Readonly<Record<string, readonly [EventType, RejectReason]>> = lookupTable({
  Permanent: ['bounced', 'bounced'],
  Transient: ['deferred', 'other'],
  Undetermined: ['bounced', 'other'],
});

/** `data.suppressed.reason` → reject reason. */
export const RESEND_SUPPRESSION_REASONS: Readonly<Record<string, RejectReason>> = lookupTable({
  previous_bounce: 'bounced',
  previous_complaint: 'spam',
});
