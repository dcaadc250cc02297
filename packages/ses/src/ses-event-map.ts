import {
  lookupTable,
  createTrackingEvent,
  parseEventTime,
  type AnymailTrackingEvent,
  type EventType,
  type RejectReason,
} from '@anymail/core';

const ESP_NAME = 'Amazon SES';
type Json = Record<string, unknown>;

/** SES `bounceType` → [event type, default reject reason]. */
export const SES_BOUNCE_TYPES: Readonly<Record<string, readonly [EventType, RejectReason]>> = lookupTable({
  Permanent: ['bounced', 'bounced'],
  Transient: ['bounced', 'other'],
  Undetermined: ['bounced', 'other'],
});

/** `bounceSubType` values that refine the reject reason (or the event type). */
export const SES_BOUNCE_SUBTYPES: Readonly<Record<string, { eventType?: EventType; rejectReason: RejectReason }>> = lookupTable({
  NoEmail: { rejectReason: 'invalid' },
  Suppressed: { eventType: 'rejected', rejectReason: 'bounced' },
  OnAccountSuppressionList: { eventType: 'rejected', rejectReason: 'bounced' },
  ContentRejected: { rejectReason: 'blocked' },
  AttachmentRejected: { rejectReason: 'blocked' },
});

/** SES `eventType` / `notificationType` values with one event per `mail.destination` address. */
export const SES_PER_DESTINATION_TYPES: Readonly<Record<string, readonly [EventType, RejectReason | undefined]>> = lookupTable({
  Send: ['sent', undefined],
  Reject: ['rejected', 'blocked'],
  Open: ['opened', undefined],
  Click: ['clicked', undefined],
  'Rendering Failure': ['failed', 'other'],
});

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** Values of one header in the notification's `mail.headers` (present when SES includes headers). */
function headerValues(mail: Json, wanted: string): string[] {
  return list(mail.headers)
    .filter((header) => typeof header.name === 'string' && header.name.toLowerCase() === wanted)
    .map((header) => String(header.value ?? ''));
}

/**
 * Metadata: the backend's `X-Metadata` JSON header (when SES includes original headers), then
 * custom message tags (not `ses:`/`aws:`), name → first value.
 */
function sesMetadata(mail: Json): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  for (const raw of headerValues(mail, 'x-metadata')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(metadata, parsed);
    } catch {
      // not ours: leave it in espEvent
    }
  }
  for (const [name, values] of Object.entries((mail.tags ?? {}) as Json)) {
    if (/^(ses|aws):/.test(name)) continue;
    metadata[name] = Array.isArray(values) && values.length === 1 ? values[0] : values;
  }
  return metadata;
}

/** Tags: the backend's `X-Tag` headers (when SES includes original headers). */
function sesTags(mail: Json): string[] {
  return headerValues(mail, 'x-tag').filter((tag) => tag !== '');
}

/** Map one SES record (event publishing or identity notification) to one event per recipient. */
export function sesEvents(record: Json, snsMessageId: string | undefined): AnymailTrackingEvent[] {
  const type = String(record.eventType ?? record.notificationType ?? '');
  const mail = (record.mail ?? {}) as Json;
  const base = { espName: ESP_NAME, espEvent: record, messageId: str(mail.messageId), metadata: sesMetadata(mail), tags: sesTags(mail) };
  const destinations = list(mail.destination).map(String);
  type Fields = Partial<AnymailTrackingEvent> & { eventType: EventType };
  const fields: Fields[] = [];

  if (type === 'Bounce') {
    const bounce = (record.bounce ?? {}) as Json;
    const [eventType, rejectReason] = SES_BOUNCE_TYPES[String(bounce.bounceType)] ?? ['bounced', 'other'];
    const sub = SES_BOUNCE_SUBTYPES[String(bounce.bounceSubType)];
    for (const r of list(bounce.bouncedRecipients)) {
      fields.push({ eventType: sub?.eventType ?? eventType, rejectReason: sub?.rejectReason ?? rejectReason,
        recipient: str(r.emailAddress), mtaResponse: str(r.diagnosticCode), eventId: str(bounce.feedbackId),
        description: [bounce.bounceType, bounce.bounceSubType].filter(Boolean).join(': '),
        timestamp: parseEventTime(bounce.timestamp) });
    }
  } else if (type === 'Complaint') {
    const complaint = (record.complaint ?? {}) as Json;
    for (const r of list(complaint.complainedRecipients)) {
      fields.push({ eventType: 'complained', rejectReason: 'spam', recipient: str(r.emailAddress),
        userAgent: str(complaint.userAgent), description: str(complaint.complaintFeedbackType),
        eventId: str(complaint.feedbackId), timestamp: parseEventTime(complaint.timestamp) });
    }
  } else if (type === 'Delivery') {
    const delivery = (record.delivery ?? {}) as Json;
    for (const recipient of list(delivery.recipients).map(String)) {
      fields.push({ eventType: 'delivered', recipient, mtaResponse: str(delivery.smtpResponse),
        timestamp: parseEventTime(delivery.timestamp) });
    }
  } else if (type === 'DeliveryDelay') {
    const delay = (record.deliveryDelay ?? {}) as Json;
    for (const r of list(delay.delayedRecipients)) {
      fields.push({ eventType: 'deferred', recipient: str(r.emailAddress), mtaResponse: str(r.diagnosticCode),
        description: str(delay.delayType), timestamp: parseEventTime(delay.timestamp) });
    }
  } else if (type === 'Subscription') {
    const sub = (record.subscription ?? {}) as Json;
    const prefs = (sub.newTopicPreferences ?? {}) as Json;
    const optedOut = prefs.unsubscribeAll === true ||
      list(prefs.topicSubscriptionStatus).some((t) => t.subscriptionStatus === 'OptOut');
    for (const recipient of destinations) {
      fields.push({ eventType: optedOut ? 'unsubscribed' : 'subscribed', rejectReason: optedOut ? 'unsubscribed' : undefined,
        recipient, description: str(sub.source), timestamp: parseEventTime(sub.timestamp) });
    }
  } else {
    const [eventType, rejectReason] = SES_PER_DESTINATION_TYPES[type] ?? ['unknown', undefined];
    const open = (record.open ?? {}) as Json;
    const click = (record.click ?? {}) as Json;
    const detail = (record.reject ?? record.failure ?? {}) as Json;
    for (const recipient of destinations) {
      fields.push({ eventType, rejectReason, recipient,
        userAgent: str(open.userAgent) ?? str(click.userAgent), clickUrl: str(click.link),
        description: str(detail.reason) ?? str(detail.errorMessage),
        timestamp: parseEventTime(open.timestamp ?? click.timestamp ?? mail.timestamp) });
    }
  }
  return fields.map((f, index) =>
    createTrackingEvent({ ...base, ...f, eventId: f.eventId ?? eventIdFor(snsMessageId, index, fields.length) }),
  );
}

function eventIdFor(snsMessageId: string | undefined, index: number, count: number): string | undefined {
  if (snsMessageId === undefined) return undefined;
  return count > 1 ? `${snsMessageId}:${index}` : snsMessageId;
}
