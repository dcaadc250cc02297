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

/** Build an event: every field not given is `undefined` (tags `[]`, metadata `{}`). */
export function createTrackingEvent(
  fields: Pick<AnymailTrackingEvent, 'eventType' | 'espName' | 'espEvent'> & Partial<AnymailTrackingEvent>,
): AnymailTrackingEvent {
  return {
    timestamp: undefined,
    eventId: undefined,
    messageId: undefined,
    recipient: undefined,
    tags: [],
    metadata: {},
    rejectReason: undefined,
    description: undefined,
    mtaResponse: undefined,
    userAgent: undefined,
    clickUrl: undefined,
    ...fields,
  };
}

/** A Date from epoch seconds or an ISO string; undefined when missing or unparseable. */
export function parseEventTime(value: unknown): Date | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? new Date(value * 1000) : undefined;
  if (typeof value === 'string' && value !== '') {
    const date = /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

/**
 * A lookup table keyed by names an ESP sends (event types, bounce classes, reasons): a frozen
 * copy without a prototype, so a hostile name such as "constructor" or "__proto__" finds
 * nothing (and falls back to 'unknown') instead of an Object method.
 */
export function lookupTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
