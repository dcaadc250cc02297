import {
  AnymailWebhookValidationFailure,
  createInboundEvent,
  createInboundWebhook,
  misroutedWebhook,
  parseInboundMime,
  sharedInboundOptions,
  type AnymailInboundEvent,
  type InboundWebhook,
  type InboundWebhookOptions,
} from '@anymail/core';
import { readSparkPostBatch, sparkPostTokenCheck, type SparkPostBatchItem, type SparkPostWebhookAuthOptions } from './sparkpost-envelope.js';

/**
 * SparkPost relay webhooks offer no basic-auth setting, but SparkPost sends the credentials of the
 * target URL (`https://user:pass@host/...`), checked against `webhookSecret`; or the relay webhook's
 * `auth_token`, checked against `webhookToken`. One of the two is required.
 */
export interface SparkPostInboundWebhookOptions extends InboundWebhookOptions, SparkPostWebhookAuthOptions {}

const ESP_NAME = 'SparkPost';

/**
 * SparkPost inbound: a relay webhook (`POST /api/v1/relay-webhooks`, target = a URL served by this
 * handler, with the `webhookSecret` credentials in it) posts batches of `relay_message` items, each
 * with the received message's raw RFC 822 source. One `inbound` event per message, parsed from that
 * source; the SMTP envelope comes from `msg_from` and `rcpt_to`.
 * https://developers.sparkpost.com/api/relay-webhooks/
 */
export function inboundWebhook(options: SparkPostInboundWebhookOptions = {}): InboundWebhook {
  const checkToken = sparkPostTokenCheck(options);
  return createInboundWebhook<SparkPostBatchItem[]>({
    espName: ESP_NAME,
    esp: 'sparkpost',
    ...sharedInboundOptions(options),
    contentTypes: ['application/json'],
    readEnvelope: (request) => readSparkPostBatch(request, checkToken),
    parseEvents(batch) {
      if (batch.some((item) => item.eventClass !== undefined && item.eventClass !== 'relay_message')) {
        throw misroutedWebhook(ESP_NAME, 'tracking', "the SparkPost event webhook's target URL");
      }
      return Promise.all(batch.filter((item) => item.eventClass === 'relay_message').map(sparkPostInboundEvent));
    },
  });
}

/** Map one `relay_message` batch item. */
export async function sparkPostInboundEvent(item: SparkPostBatchItem): Promise<AnymailInboundEvent> {
  const relay = item.event;
  const content = relay.content;
  const raw =
    typeof content === 'object' && content !== null ? (content as Record<string, unknown>).email_rfc822 : undefined;
  if (typeof raw !== 'string' || raw === '') {
    throw new AnymailWebhookValidationFailure('SparkPost relay_message has no content.email_rfc822 (the raw message)', {
      statusCode: 400,
      espName: ESP_NAME,
    });
  }
  const isBase64 = (content as Record<string, unknown>).email_rfc822_is_base64 === true;
  const source = isBase64 ? new Uint8Array(Buffer.from(raw, 'base64')) : raw;
  const message = await parseInboundMime(
    source,
    { envelopeSender: str(relay.msg_from), envelopeRecipient: str(relay.rcpt_to) },
    ESP_NAME,
  );
  return createInboundEvent({
    espName: ESP_NAME,
    espEvent: item.raw,
    timestamp: undefined, // a relay_message carries no time of receipt (message.date is the sender's)
    eventId: undefined, // nor an id of its own (webhook_id names the relay webhook)
    message,
  });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
