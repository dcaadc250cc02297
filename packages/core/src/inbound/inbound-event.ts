import type { AnymailInboundMessage } from './inbound-message.js';

/** One received email, as the `inbound` signal and `onEvent` get it (django-anymail's AnymailInboundEvent). */
export interface AnymailInboundEvent {
  eventType: 'inbound';
  /** When the ESP received the message, when it says. */
  timestamp: Date | undefined;
  /** The ESP's id for this delivery (Mailgun token, SNS MessageId, Postmark MessageID...), when it gives one. */
  eventId: string | undefined;
  message: AnymailInboundMessage;
  /** The ESP's payload as parsed from the request (form fields as a plain object, JSON as is). */
  espEvent: unknown;
  /** The ESP that posted the message, e.g. 'Mailgun'. */
  espName: string;
}

export function createInboundEvent(fields: Omit<AnymailInboundEvent, 'eventType'>): AnymailInboundEvent {
  return { eventType: 'inbound', ...fields };
}
