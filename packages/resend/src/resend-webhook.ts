import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  AnymailConfigurationError,
  AnymailWebhookValidationFailure,
  SignedWebhook,
  createTrackingEvent,
  createTrackingWebhook,
  loadWebhookKeys,
  misroutedWebhook,
  parseEventTime,
  resolveWebhookSecrets,
  sharedWebhookOptions,
  type AnymailTrackingEvent,
  type EventType,
  type RejectReason,
  type SignedWebhookOptions,
  type TrackingWebhook,
  type TrackingWebhookOptions,
  type WebhookRequest,
  type WebhookSecret,
} from '@anymail/core';
import {
  RESEND_BOUNCE_TYPES,
  RESEND_EVENT_REJECT_REASONS,
  RESEND_EVENT_TYPES,
  RESEND_SUPPRESSION_REASONS,
} from './resend-event-map.js';
import { RESEND_METADATA_HEADER, RESEND_TAGS_HEADER } from './resend-extra.js';

/** Options of Resend's signed webhooks (tracking and inbound). */
export interface ResendSignedWebhookOptions extends SignedWebhookOptions {
  /**
   * The webhook's signing secret (`whsec_…`, shown on the webhook's page in Resend's dashboard); a list
   * accepts any of them (rotation). Env `RESEND_SIGNING_SECRET` or `ANYMAIL_RESEND_SIGNING_SECRET`
   * (comma-separated for several).
   * @see https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests
   */
  signingSecret?: string | readonly string[];
  /** Resend's SDKs refuse signatures more than this far from now. @default 300 (5 minutes) */
  timestampToleranceSeconds?: number;
}

export interface ResendTrackingWebhookOptions extends TrackingWebhookOptions, ResendSignedWebhookOptions {}

const ESP_NAME = 'Resend';
/** Resend's webhooks are delivered by Svix; the Standard Webhooks spec names the same headers `webhook-*`. */
const ID_HEADERS = ['svix-id', 'webhook-id'] as const;
const TIMESTAMP_HEADERS = ['svix-timestamp', 'webhook-timestamp'] as const;
const SIGNATURE_HEADERS = ['svix-signature', 'webhook-signature'] as const;
type Json = Record<string, unknown>;

/** The HMAC key of a signing secret: the base64 after `whsec_`. */
function importSecret(secret: string): Buffer {
  const base64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : Buffer.alloc(0);
  if (key.byteLength < 16) {
    throw new AnymailConfigurationError(
      "Resend signingSecret is not a webhook signing secret: paste the whole 'whsec_…' value from the webhook's page in Resend's dashboard",
      { espName: ESP_NAME },
    );
  }
  return key;
}

/**
 * The signing secrets, imported; with none, `webhookSecret` (basic auth) must be set, or anyone could post
 * events. Shared by `trackingWebhook` and `inboundWebhook`.
 */
export function resendSignedWebhook(
  options: ResendSignedWebhookOptions & { webhookSecret?: WebhookSecret | undefined; env?: NodeJS.ProcessEnv | undefined },
  handler: 'tracking' | 'inbound',
): SignedWebhook<Buffer> {
  const secrets = loadWebhookKeys({
    esp: 'resend',
    espName: ESP_NAME,
    name: 'signingSecret',
    value: options.signingSecret,
    env: options.env,
    required: false,
    hint: "paste the 'whsec_…' signing secret from the webhook's page in Resend's dashboard.",
  });
  if (secrets.length === 0 && resolveWebhookSecrets('resend', options.webhookSecret, options.env).length === 0) {
    throw new AnymailConfigurationError(
      `Resend ${handler} webhook needs signingSecret (env RESEND_SIGNING_SECRET) or webhookSecret (basic auth in the ` +
        'webhook URL); without one, anyone could post fake events.',
      { espName: ESP_NAME },
    );
  }
  return new SignedWebhook({
    espName: ESP_NAME,
    esp: 'resend',
    keys: secrets.map(importSecret),
    defaultToleranceSeconds: 300,
    timestampToleranceSeconds: options.timestampToleranceSeconds,
    replayCache: options.replayCache,
    now: options.now,
  });
}

function firstHeader(request: WebhookRequest, names: readonly string[]): string {
  for (const name of names) {
    const value = request.headers.get(name);
    if (value !== null) return value.trim();
  }
  return '';
}

/** The decoded `v1,<base64>` entries of a signature header (several during secret rotation). */
function v1Signatures(header: string): Buffer[] {
  return header
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
}

/**
 * Svix's scheme: base64(HMAC-SHA256(key, `${svix-id}.${svix-timestamp}.${raw body}`)) in a `v1,` entry of
 * svix-signature, compared in constant time; then the timestamp window; then a claim on svix-id, which
 * Resend keeps across its retries of one event (its docs' advice: dedupe on it).
 */
export function verifyResendSignature(signed: SignedWebhook<Buffer>, request: WebhookRequest): Promise<void> {
  const id = firstHeader(request, ID_HEADERS);
  const timestamp = firstHeader(request, TIMESTAMP_HEADERS);
  const signatures = v1Signatures(firstHeader(request, SIGNATURE_HEADERS));
  const prefix = Buffer.from(`${id}.${timestamp}.`, 'utf8');
  return signed.verify(request, {
    signatureValid(key) {
      if (id === '' || timestamp === '' || signatures.length === 0) return false;
      const expected = createHmac('sha256', key).update(prefix).update(request.rawBody).digest();
      let valid = false;
      for (const signature of signatures) {
        if (signature.byteLength === expected.byteLength && timingSafeEqual(signature, expected)) valid = true;
      }
      return valid;
    },
    timestampMs: /^\d+$/.test(timestamp) ? Number(timestamp) * 1000 : Number.NaN,
    claimKey: `id:${id}`,
    invalidMessage:
      'Resend webhook signature is missing or invalid (check signingSecret, and pass the raw body bytes and the svix-* headers unchanged)',
  });
}

/** The one JSON object Resend posts per event: `{type, created_at, data}`. */
export function resendEnvelope(body: unknown, what: string): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof (body as Json).type !== 'string') {
    throw new AnymailWebhookValidationFailure(`Resend ${what} body must be a JSON object with a "type"`, { statusCode: 400, espName: ESP_NAME });
  }
  return body as Json;
}

/**
 * Resend tracking webhook (Resend dashboard → Webhooks; subscribe it to the `email.*` events except
 * `email.received`, which goes to `inboundWebhook`). One event per request, signed by Svix. Resend retries
 * any non-2xx answer for about a day. Contact, domain and suppression events become `unknown` events.
 */
export function trackingWebhook(options: ResendTrackingWebhookOptions = {}): TrackingWebhook {
  const signed = resendSignedWebhook(options, 'tracking');
  return createTrackingWebhook<unknown>({
    espName: ESP_NAME,
    esp: 'resend',
    ...sharedWebhookOptions(options),
    verify: (_body, request) => (signed.keys.length === 0 ? undefined : verifyResendSignature(signed, request)),
    parseEvents(body, request) {
      const envelope = resendEnvelope(body, 'webhook');
      if (envelope.type === 'email.received') throw misroutedWebhook(ESP_NAME, 'inbound', 'the Resend webhook subscribed to email.received');
      return [resendEvent(envelope, firstHeader(request, ID_HEADERS) || undefined)];
    },
  });
}

/** Map one Resend webhook event (`eventId`: the svix-id header, the only id Resend gives an event). */
export function resendEvent(envelope: Json, eventId?: string): AnymailTrackingEvent {
  const type = String(envelope.type);
  const data = object(envelope.data) ?? {};
  let eventType: EventType = RESEND_EVENT_TYPES[type] ?? 'unknown';
  let rejectReason: RejectReason | undefined = RESEND_EVENT_REJECT_REASONS[type];
  const bounce = object(data.bounce);
  const suppressed = object(data.suppressed);
  const click = object(data.click);
  const open = object(data.open);
  const failed = object(data.failed);
  if (type === 'email.bounced' && bounce) {
    [eventType, rejectReason] = RESEND_BOUNCE_TYPES[String(bounce.type)] ?? ['bounced', 'other'];
  }
  if (type === 'email.suppressed' && suppressed) {
    rejectReason = RESEND_SUPPRESSION_REASONS[String(suppressed.reason)] ?? 'blocked';
  }
  const diagnostic = Array.isArray(bounce?.diagnosticCode) ? bounce.diagnosticCode.map(String).join('\n') : str(bounce?.diagnosticCode);
  const headers = headerMap(data.headers);
  const to = Array.isArray(data.to) ? data.to.map(String) : [];
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: envelope,
    eventType,
    timestamp: parseEventTime(envelope.created_at) ?? parseEventTime(data.created_at),
    eventId,
    messageId: str(data.email_id),
    // Resend does not say which recipient an event is for: the first `to` (or the suppression's address).
    recipient: to[0] ?? str(data.email),
    tags: jsonHeader(headers, RESEND_TAGS_HEADER, Array.isArray)?.map(String) ?? [],
    metadata: jsonHeader(headers, RESEND_METADATA_HEADER, isPlainObject) ?? {},
    rejectReason,
    description: str(bounce?.message) ?? str(suppressed?.message) ?? str(failed?.reason),
    mtaResponse: diagnostic || undefined,
    userAgent: str(click?.userAgent) ?? str(open?.userAgent),
    clickUrl: str(click?.link),
  });
}

/** `data.headers` (`[{name, value}]`) by lower-case name. */
function headerMap(value: unknown): Map<string, string> {
  const headers = new Map<string, string>();
  if (!Array.isArray(value)) return headers;
  for (const entry of value) {
    const header = object(entry);
    if (header && typeof header.name === 'string' && typeof header.value === 'string') headers.set(header.name.toLowerCase(), header.value);
  }
  return headers;
}

/** A header Anymail wrote as JSON, when it parses to the expected shape (else ignored: someone else's header). */
function jsonHeader<T>(headers: Map<string, string>, name: string, check: (value: unknown) => value is T): T | undefined {
  const raw = headers.get(name.toLowerCase());
  if (raw === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return check(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown): Json | undefined {
  return isPlainObject(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
