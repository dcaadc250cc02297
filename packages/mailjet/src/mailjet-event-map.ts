import { lookupTable, type EventType, type RejectReason } from '@anymail/core';

/**
 * Mailjet Event API `event` → event type (https://dev.mailjet.com/email/guides/webhooks/#event-types).
 * `sent` means the receiving MTA accepted the message, which is Anymail's `delivered`.
 */
export const MAILJET_EVENT_TYPES: Readonly<Record<string, EventType>> = lookupTable({
  sent: 'delivered',
  open: 'opened',
  click: 'clicked',
  bounce: 'bounced',
  blocked: 'rejected',
  spam: 'complained',
  unsub: 'unsubscribed',
});

/**
 * Mailjet's `error` values (bounce and blocked events) → reject reason, from the table "Possible
 * values for errors" of Mailjet's webhook guide
 * (https://dev.mailjet.com/email/guides/webhooks/#possible-values-for-errors). A value not listed is `other`.
 */
export const MAILJET_REJECT_REASONS: Readonly<Record<string, RejectReason>> = lookupTable({
  // error_related_to: recipient
  'user unknown': 'bounced',
  'mailbox inactive': 'bounced',
  'quota exceeded': 'bounced',
  blacklisted: 'blocked',
  'spam reporter': 'spam',
  // domain
  'invalid domain': 'bounced',
  'no mail host': 'bounced',
  'relay/access denied': 'bounced',
  greylisted: 'other', // temporary: Mailjet tries again (the event becomes `deferred`, see below)
  typofix: 'invalid',
  // content
  'bad or empty template': 'other',
  'error in template language': 'other',
  // spam (Mailjet's own filtering and policies)
  'sender blocked': 'blocked',
  'content blocked': 'blocked',
  'policy issue': 'blocked',
  // system
  'system issue': 'other',
  'protocol issue': 'other',
  'connection issue': 'other',
  // mailjet
  preblocked: 'blocked',
  'spam preblocked': 'blocked',
  'duplicate in campaign': 'other',
});

/** Errors after which Mailjet tries the delivery again: a `deferred` event, not a final bounce. */
export const MAILJET_TEMPORARY_ERRORS: ReadonlySet<string> = new Set(['greylisted']);
