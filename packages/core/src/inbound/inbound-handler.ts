import { inbound } from '../signals.js';
import { createWebhookHandler, type WebhookHandler, type WebhookHandlerOptions } from '../tracking/webhook-pipeline.js';
import type { WebhookRequest } from '../tracking/webhook-request.js';
import type { AnymailInboundEvent } from './inbound-event.js';

/** Inbound mail is large (attachments, base64 twice in JSON posts): 50 MiB unless the option says otherwise. */
export const DEFAULT_INBOUND_MAX_BODY_BYTES = 50 * 1024 * 1024;

/** Options every ESP's `inboundWebhook(options)` takes. */
export interface InboundWebhookOptions extends WebhookHandlerOptions {
  /** Called once per received message, after the `inbound` signal. Throwing answers 500 (the ESP retries, and the retry is processed). */
  onEvent?: (event: AnymailInboundEvent) => unknown;
  /**
   * Largest request body read; a bigger one is answered 413 without reading the rest.
   * @default 52428800 (50 MiB: a 25 MB attachment, base64-encoded, with room to spare)
   */
  maxBodyBytes?: number;
}

/** The options an ESP's `inboundWebhook` hands on to `createInboundWebhook` unchanged. */
export function sharedInboundOptions(options: InboundWebhookOptions): InboundWebhookOptions {
  return { onEvent: options.onEvent, webhookSecret: options.webhookSecret, env: options.env, maxBodyBytes: options.maxBodyBytes };
}

/** An ESP's inbound webhook: how to parse the body once, check it, and turn it into received messages. */
export interface InboundWebhookConfig<Envelope = unknown> extends InboundWebhookOptions {
  espName: string;
  /** Lower-case settings key, e.g. 'postmark'. */
  esp: string;
  /** Where basic auth is the only check (Postmark, SendGrid), credentials are required. */
  requireBasicAuth?: boolean;
  /** Media types the ESP posts. */
  contentTypes: readonly string[];
  /** Parse the body once (malformed, or a misrouted tracking post → AnymailWebhookValidationFailure). */
  readEnvelope: (request: WebhookRequest) => Envelope | Promise<Envelope>;
  /** Throw AnymailWebhookValidationFailure (statusCode 400/401) when the request is not authentic. */
  verify?: (envelope: Envelope, request: WebhookRequest) => Promise<void> | void;
  /** Turn the verified envelope into inbound events (usually one). */
  parseEvents: (envelope: Envelope, request: WebhookRequest) => Promise<AnymailInboundEvent[]> | AnymailInboundEvent[];
}

/** The handler every ESP package returns from `inboundWebhook(options)`; the same shape as `TrackingWebhook`. */
export type InboundWebhook = WebhookHandler<AnymailInboundEvent>;

/**
 * Build an inbound webhook on the shared webhook pipeline (body read once under `maxBodyBytes`,
 * verify, then parse; HEAD/OPTIONS, 401/413/415 answers): each received message fires the
 * `inbound` signal (sender = the webhook), then `onEvent`; a receiver that throws answers 500 with
 * the replay claims released, so the ESP's retry is accepted. A signed redelivery of a message
 * already received answers 200 and fires nothing again (503 while the first is still processed).
 */
export function createInboundWebhook<Envelope = unknown>(config: InboundWebhookConfig<Envelope>): InboundWebhook {
  const { onEvent, espName } = config;
  return createWebhookHandler<Envelope, AnymailInboundEvent>({
    espName,
    esp: config.esp,
    webhookSecret: config.webhookSecret,
    env: config.env,
    maxBodyBytes: config.maxBodyBytes ?? DEFAULT_INBOUND_MAX_BODY_BYTES,
    requireBasicAuth: config.requireBasicAuth,
    contentTypes: config.contentTypes,
    readEnvelope: config.readEnvelope,
    verify: config.verify,
    toEvents: config.parseEvents,
    async deliver(event, handler) {
      await inbound.send(handler, { event, espName });
      await onEvent?.(event);
    },
  });
}
