/** Normalized tracking event types (closed union). */
export type EventType =
  | 'queued'
  | 'sent'
  | 'rejected'
  | 'failed'
  | 'bounced'
  | 'deferred'
  | 'delivered'
  | 'autoresponded'
  | 'opened'
  | 'clicked'
  | 'complained'
  | 'unsubscribed'
  | 'subscribed'
  | 'unknown';

/** Why a message was rejected or bounced (closed union). */
export type RejectReason = 'invalid' | 'bounced' | 'timed_out' | 'blocked' | 'spam' | 'unsubscribed' | 'other';

/** One ESP tracking event, normalized. */
export interface AnymailTrackingEvent {
  eventType: EventType;
  timestamp: Date | undefined;
  eventId: string | undefined;
  messageId: string | undefined;
  recipient: string | undefined;
  tags: string[];
  metadata: Record<string, unknown>;
  rejectReason: RejectReason | undefined;
  description: string | undefined;
  mtaResponse: string | undefined;
  userAgent: string | undefined;
  clickUrl: string | undefined;
  /** The ESP's raw event, as parsed from the request. */
  espEvent: unknown;
  /** The ESP that sent the event, e.g. 'Postmark'. */
  espName: string;
}
