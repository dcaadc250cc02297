import {
  constructInboundMime,
  createInboundEvent,
  createInboundWebhook,
  misroutedWebhook,
  parseEventTime,
  sharedInboundOptions,
  type AnymailInboundEvent,
  type InboundWebhook,
  type InboundWebhookOptions,
} from '@anymail/core';
import { resendEnvelope, resendSignedWebhook, verifyResendSignature, type ResendSignedWebhookOptions } from './resend-webhook.js';

export interface ResendInboundWebhookOptions extends InboundWebhookOptions, ResendSignedWebhookOptions {}

const ESP_NAME = 'Resend';
type Json = Record<string, unknown>;
/** An `email.received` event is metadata only (a few kB): no need for the 50 MiB inbound default. */
const RESEND_INBOUND_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Resend inbound webhook: a Resend webhook subscribed to `email.received`, signed by Svix like the
 * tracking webhook. Resend posts only the message's metadata (addresses, subject, Message-ID and the
 * attachments' names and ids), never its body or attachment bytes, so the `AnymailInboundMessage` has
 * addresses and subject but no text, html or attachments. This handler fetches nothing: the event's
 * `espEvent.data` keeps `email_id` and `attachments[].id` for Resend's receiving API
 * (`GET /emails/receiving/{email_id}` and `…/attachments`), which needs a full-access API key.
 */
export function inboundWebhook(options: ResendInboundWebhookOptions = {}): InboundWebhook {
  const signed = resendSignedWebhook(options, 'inbound');
  return createInboundWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'resend',
    ...sharedInboundOptions(options),
    maxBodyBytes: options.maxBodyBytes ?? RESEND_INBOUND_MAX_BODY_BYTES,
    contentTypes: ['application/json'],
    readEnvelope: (request) => request.json(),
    verify: (_body, request) => (signed.keys.length === 0 ? undefined : verifyResendSignature(signed, request)),
    async parseEvents(body, request) {
      const envelope = resendEnvelope(body, 'inbound');
      if (envelope.type !== 'email.received') {
        throw misroutedWebhook(ESP_NAME, 'tracking', 'the Resend webhook subscribed to tracking (email.*) events');
      }
      const eventId = request.headers.get('svix-id') ?? request.headers.get('webhook-id') ?? undefined;
      return [await resendInboundEvent(envelope, eventId || undefined)];
    },
  });
}

/** Map one `email.received` event (metadata only: see `inboundWebhook`). */
export async function resendInboundEvent(envelope: Json, eventId?: string): Promise<AnymailInboundEvent> {
  const data = (typeof envelope.data === 'object' && envelope.data !== null ? envelope.data : {}) as Json;
  const receivedFor = list(data.received_for);
  const message = await constructInboundMime(
    {
      from: str(data.from),
      to: list(data.to).join(', ') || undefined,
      cc: list(data.cc).join(', ') || undefined,
      subject: str(data.subject),
      messageId: str(data.message_id),
    },
    // `received_for`: the addresses Resend accepted this message for (a Bcc or forwarding address among them).
    { envelopeRecipient: receivedFor[0] },
    ESP_NAME,
  );
  return createInboundEvent({
    espName: ESP_NAME,
    espEvent: envelope,
    timestamp: parseEventTime(data.created_at) ?? parseEventTime(envelope.created_at),
    eventId: eventId ?? str(data.email_id),
    message,
  });
}

function list(value: unknown): string[] {
  if (typeof value === 'string' && value !== '') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
