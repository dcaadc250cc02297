import { tracking } from '../signals.js';
import type { AnymailTrackingEvent } from './tracking-event.js';
import { createWebhookHandler, type WebhookHandler, type WebhookHandlerOptions } from './webhook-pipeline.js';
import type { WebhookRequest } from './webhook-request.js';

export interface TrackingWebhookOptions extends WebhookHandlerOptions {
  /** Called once per verified event, after the `tracking` signal. */
  onEvent?: (event: AnymailTrackingEvent) => unknown;
}

/** The options every ESP's `trackingWebhook` hands on to `createTrackingWebhook` unchanged. */
export function sharedWebhookOptions(options: TrackingWebhookOptions): TrackingWebhookOptions {
  return { onEvent: options.onEvent, webhookSecret: options.webhookSecret, env: options.env, maxBodyBytes: options.maxBodyBytes };
}

/** An ESP's tracking webhook: how to parse the body once, check it, and map it to events. */
export interface TrackingWebhookConfig<Envelope = unknown> extends TrackingWebhookOptions {
  espName: string;
  /** Lower-case settings key, e.g. 'postmark'. */
  esp: string;
  /** Postmark: basic auth is the only check, so credentials are required. */
  requireBasicAuth?: boolean;
  /** Media types the ESP posts. @default ['application/json'] */
  contentTypes?: readonly string[];
  /** Parse the body once. @default the body as JSON (malformed JSON → 400) */
  readEnvelope?: (request: WebhookRequest) => Envelope | Promise<Envelope>;
  /** Throw AnymailWebhookValidationFailure (statusCode 400/401) when the request is not authentic. */
  verify?: (envelope: Envelope, request: WebhookRequest) => Promise<void> | void;
  /** Turn the verified envelope into events. */
  parseEvents: (envelope: Envelope, request: WebhookRequest) => Promise<AnymailTrackingEvent[]> | AnymailTrackingEvent[];
}

/** The handler every ESP package returns from `trackingWebhook(options)`. */
export type TrackingWebhook = WebhookHandler<AnymailTrackingEvent>;

/**
 * Build a tracking webhook from an ESP's envelope reader, `verify` and `parseEvents`: each
 * verified event fires the `tracking` signal (sender = the webhook), then `onEvent`.
 */
export function createTrackingWebhook<Envelope = unknown>(config: TrackingWebhookConfig<Envelope>): TrackingWebhook {
  const { onEvent, espName } = config;
  return createWebhookHandler<Envelope, AnymailTrackingEvent>({
    espName,
    esp: config.esp,
    webhookSecret: config.webhookSecret,
    env: config.env,
    maxBodyBytes: config.maxBodyBytes,
    requireBasicAuth: config.requireBasicAuth,
    contentTypes: config.contentTypes ?? ['application/json'],
    readEnvelope: config.readEnvelope ?? ((request) => request.json() as Envelope),
    verify: config.verify,
    toEvents: config.parseEvents,
    async deliver(event, handler) {
      await tracking.send(handler, { event, espName });
      await onEvent?.(event);
    },
  });
}
