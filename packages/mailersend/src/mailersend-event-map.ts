import { lookupTable, type EventType, type RejectReason } from '@anymail/core';

/**
 * MailerSend activity `data.type` → [event type, reject reason]. From the events MailerSend's
 * webhook docs list (activity.sent … activity.survey_submitted), both payload shapes.
 * A soft bounce is final in MailerSend ("not delivered because it soft bounced", after its own
 * retries); `deferred` is the in-progress delay.
 */
export const MAILERSEND_ACTIVITY_TYPES: Readonly<Record<string, readonly [EventType, RejectReason | undefined]>> = lookupTable({
  sent: ['sent', undefined],
  delivered: ['delivered', undefined],
  soft_bounced: ['bounced', 'bounced'],
  hard_bounced: ['bounced', 'bounced'],
  deferred: ['deferred', undefined],
  opened: ['opened', undefined],
  opened_unique: ['opened', undefined],
  clicked: ['clicked', undefined],
  clicked_unique: ['clicked', undefined],
  unsubscribed: ['unsubscribed', 'unsubscribed'],
  spam_complaint: ['complained', 'spam'],
  survey_opened: ['unknown', undefined],
  survey_submitted: ['unknown', undefined],
});

/** Older (2022) payloads explain a bounce or complaint in `data.morph`: its `object` → reject reason. */
export const MAILERSEND_MORPH_REASONS: Readonly<Record<string, RejectReason>> = lookupTable({
  recipient_bounce: 'bounced',
  spam_complaint: 'spam',
  recipient_unsubscribe: 'unsubscribed',
});

/** Where the current payload's `data.meta` explains the event, in order of preference. */
export const MAILERSEND_META_DESCRIPTIONS = ['bounce_reason', 'reject_reason', 'suppression_reason', 'unsubscribe_reason', 'reason'] as const;

/** Top-level `type`s MailerSend posts when a webhook is saved or tested: answered 200 with no event. */
export const MAILERSEND_PING_TYPES: ReadonlySet<string> = new Set(['webhook.test']);
