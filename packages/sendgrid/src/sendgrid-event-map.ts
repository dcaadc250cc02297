import { lookupTable, type EventType, type RejectReason } from '@anymail/core';

/** SendGrid Event Webhook `event` → normalized event type. */
export const SENDGRID_EVENT_TYPES: Readonly<Record<string, EventType>> = lookupTable({
  processed: 'queued',
  dropped: 'rejected',
  delivered: 'delivered',
  deferred: 'deferred',
  bounce: 'bounced',
  open: 'opened',
  click: 'clicked',
  spamreport: 'complained',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
  group_resubscribe: 'subscribed',
});

/** `reason` of a `dropped` event → reject reason (SendGrid's documented drop reasons). */
export const SENDGRID_DROP_REASONS: Readonly<Record<string, RejectReason>> = lookupTable({
  'Invalid': 'invalid',
  'Invalid SMTPAPI header': 'invalid',
  'Bounced Address': 'bounced',
  'Unsubscribed Address': 'unsubscribed',
  'Spam Reporting Address': 'spam',
  'Spam Content (if spam checker app enabled)': 'spam',
  'Recipient List over Package Quota': 'other',
});

/** Fixed reject reasons by event (and bounce `type`). */
export const SENDGRID_EVENT_REJECT_REASONS: Readonly<Record<string, RejectReason>> = lookupTable({
  bounce: 'bounced',
  'bounce:blocked': 'blocked',
  spamreport: 'spam',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
});

/** Event fields SendGrid itself sets; every other top-level key is a custom arg (metadata). */
export const SENDGRID_EVENT_FIELDS: ReadonlySet<string> = new Set([
  'email', 'timestamp', 'smtp-id', 'event', 'category', 'sg_event_id', 'sg_message_id', 'reason', 'status',
  'response', 'attempt', 'useragent', 'ip', 'url', 'url_offset', 'asm_group_id', 'tls', 'cert_err', 'type',
  'bounce_classification', 'marketing_campaign_id', 'marketing_campaign_name', 'marketing_campaign_version',
  'marketing_campaign_split_id', 'post_type', 'send_at', 'sg_machine_open', 'sg_content_type', 'sg_template_id',
  'sg_template_name', 'singlesend_id', 'singlesend_name', 'template_id', 'template_version_id', 'pool',
  'newsletter', 'mc_stats', 'phase_id', 'anymail_id',
]);
