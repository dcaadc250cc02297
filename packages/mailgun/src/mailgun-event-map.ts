import { lookupTable, type EventType, type RejectReason } from '@anymail/core';

/** Mailgun `event-data.event` → normalized event type. `failed` depends on severity/reason. */
export const MAILGUN_EVENT_TYPES: Readonly<Record<string, EventType>> = lookupTable({
  accepted: 'queued',
  rejected: 'rejected',
  delivered: 'delivered',
  opened: 'opened',
  clicked: 'clicked',
  unsubscribed: 'unsubscribed',
  complained: 'complained',
  stored: 'unknown',
  'list_member_uploaded': 'unknown',
});

/** Legacy (form-encoded) webhook `event` values. */
export const MAILGUN_LEGACY_EVENT_TYPES: Readonly<Record<string, EventType>> = lookupTable({
  delivered: 'delivered',
  dropped: 'rejected',
  bounced: 'bounced',
  opened: 'opened',
  clicked: 'clicked',
  unsubscribed: 'unsubscribed',
  complained: 'complained',
});

/** `reason` of failed/rejected events → reject reason. */
export const MAILGUN_REJECT_REASONS: Readonly<Record<string, RejectReason>> = lookupTable({
  'suppress-bounce': 'bounced',
  'suppress-unsubscribe': 'unsubscribed',
  'suppress-complaint': 'spam',
  bounce: 'bounced',
  hardfail: 'bounced',
  espblock: 'blocked',
  generic: 'other',
  old: 'timed_out',
});

/** A permanent failure with one of these reasons never reached the recipient's MTA: "rejected". */
export const MAILGUN_SUPPRESSION_REASONS: ReadonlySet<string> = new Set([
  'suppress-bounce',
  'suppress-unsubscribe',
  'suppress-complaint',
]);

/** Fields of a legacy form payload that are not user variables. */
export const MAILGUN_LEGACY_FIELDS: ReadonlySet<string> = new Set([
  'event', 'recipient', 'domain', 'message-headers', 'Message-Id', 'message-id', 'timestamp', 'token',
  'signature', 'tag', 'X-Mailgun-Tag', 'X-Mailgun-Sid', 'code', 'error', 'reason', 'description',
  'notification', 'url', 'user-agent', 'ip', 'country', 'region', 'city', 'client-name', 'client-os',
  'client-type', 'device-type', 'mailing-list', 'campaign-id', 'campaign-name', 'attachment-count',
  'body-plain', 'X-Mailgun-Variables',
]);
