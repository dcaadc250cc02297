import { lookupTable, type EventType, type RejectReason } from '@anymail/core';

/** Postmark `RecordType` → event type (Bounce and SubscriptionChange are refined below). */
export const POSTMARK_RECORD_TYPES: Readonly<Record<string, EventType>> = lookupTable({
  Delivery: 'delivered',
  Bounce: 'bounced',
  SpamComplaint: 'complained',
  Open: 'opened',
  Click: 'clicked',
  SubscriptionChange: 'unsubscribed',
});

/** Postmark bounce `Type` → [event type, reject reason]. Every bounce type Postmark documents. */
export const POSTMARK_BOUNCE_TYPES: Readonly<Record<string, readonly [EventType, RejectReason | undefined]>> = lookupTable({
  HardBounce: ['bounced', 'bounced'],
  Transient: ['deferred', 'other'],
  Unsubscribe: ['unsubscribed', 'unsubscribed'],
  Subscribe: ['subscribed', undefined],
  AutoResponder: ['autoresponded', undefined],
  AddressChange: ['autoresponded', undefined],
  DnsError: ['deferred', 'other'],
  SpamNotification: ['complained', 'spam'],
  OpenRelayTest: ['unknown', undefined],
  Unknown: ['unknown', undefined],
  SoftBounce: ['deferred', 'other'],
  VirusNotification: ['bounced', 'other'],
  ChallengeVerification: ['autoresponded', undefined],
  BadEmailAddress: ['rejected', 'invalid'],
  SpamComplaint: ['complained', 'spam'],
  ManuallyDeactivated: ['rejected', 'blocked'],
  Unconfirmed: ['rejected', 'other'],
  Blocked: ['bounced', 'blocked'],
  SMTPApiError: ['failed', 'other'],
  InboundError: ['unknown', undefined],
  DMARCPolicy: ['rejected', 'blocked'],
  TemplateRenderingFailed: ['failed', 'other'],
});

/** Where each record type keeps its time. */
export const POSTMARK_TIME_FIELDS = ['DeliveredAt', 'BouncedAt', 'ReceivedAt', 'ChangedAt'] as const;
