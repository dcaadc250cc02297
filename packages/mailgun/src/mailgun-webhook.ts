import { createHmac } from 'node:crypto';
import {
  AnymailWebhookValidationFailure,
  SignedWebhook,
  constantTimeEqual,
  createTrackingEvent,
  createTrackingWebhook,
  loadWebhookKeys,
  misroutedWebhook,
  parseEventTime,
  sharedWebhookOptions,
  type AnymailTrackingEvent,
  type SignedWebhookOptions,
  type TrackingWebhook,
  type TrackingWebhookOptions,
  type WebhookRequest,
} from '@anymail/core';
import {
  MAILGUN_EVENT_TYPES,
  MAILGUN_LEGACY_EVENT_TYPES,
  MAILGUN_LEGACY_FIELDS,
  MAILGUN_REJECT_REASONS,
  MAILGUN_SUPPRESSION_REASONS,
} from './mailgun-event-map.js';

export interface MailgunTrackingWebhookOptions extends TrackingWebhookOptions, SignedWebhookOptions {
  /**
   * Mailgun's "HTTP webhook signing key"; env MAILGUN_WEBHOOK_SIGNING_KEY. A list accepts any of
   * them (key rotation, or several subaccounts). For events of a subaccount's domain Mailgun also
   * sends `parent-signature`, made with the primary account's key, so the primary's key alone
   * verifies every subaccount's webhooks.
   */
  webhookSigningKey?: string | readonly string[];
  /** Refuse signatures older (or newer) than this. @default 300 (5 minutes) */
  timestampToleranceSeconds?: number;
}

const ESP_NAME = 'Mailgun';
type Json = Record<string, unknown>;

/** The one parsed Mailgun body: read once, verified, then mapped. */
export interface MailgunPayload {
  signature: MailgunSignature;
  /** Modern JSON webhooks. */
  eventData?: Json;
  /** Legacy form-encoded webhooks: every field. */
  form?: FormData;
}

export interface MailgunSignature {
  timestamp: string;
  token: string;
  signature: string;
  /** Present when the event is for a subaccount's domain: the same HMAC with the primary account's key. */
  parentSignature: string;
}

/** Parse a Mailgun webhook body (JSON, or legacy form-encoded) once. */
export async function readMailgunPayload(request: WebhookRequest): Promise<MailgunPayload> {
  const contentType = request.headers.get('content-type') ?? '';
  if (/multipart\/form-data|application\/x-www-form-urlencoded/i.test(contentType)) {
    let form: FormData;
    try {
      form = await new Response(request.rawBody, { headers: { 'content-type': contentType } }).formData();
    } catch {
      throw new AnymailWebhookValidationFailure('Mailgun webhook form body could not be parsed', { statusCode: 400 });
    }
    const field = (name: string) => String(form.get(name) ?? '');
    return {
      signature: { timestamp: field('timestamp'), token: field('token'), signature: field('signature'), parentSignature: field('parent-signature') },
      form,
    };
  }
  const body = request.json() as Json;
  const signature = (body?.signature ?? {}) as Json;
  const eventData = body?.['event-data'];
  if (typeof eventData !== 'object' || eventData === null) {
    throw new AnymailWebhookValidationFailure('Mailgun webhook body has no "event-data" object', { statusCode: 400 });
  }
  return {
    signature: {
      timestamp: String(signature.timestamp ?? ''),
      token: String(signature.token ?? ''),
      signature: String(signature.signature ?? ''),
      parentSignature: String(signature['parent-signature'] ?? ''),
    },
    eventData: eventData as Json,
  };
}

/** Mailgun's signature checks (keys with rotation, 5-minute window, token replay cache), shared by tracking and inbound. */
export function mailgunSignedWebhook(options: MailgunTrackingWebhookOptions): SignedWebhook<string> {
  const keys = loadWebhookKeys({
    esp: 'mailgun',
    espName: ESP_NAME,
    name: 'webhookSigningKey',
    value: options.webhookSigningKey,
    env: options.env,
    required: true,
    hint: 'pass the "HTTP webhook signing key" from the Mailgun control panel.',
  });
  return new SignedWebhook({ espName: ESP_NAME, esp: 'mailgun', keys, defaultToleranceSeconds: 300, ...signedOptions(options) });
}

function signedOptions(options: SignedWebhookOptions): SignedWebhookOptions {
  return { timestampToleranceSeconds: options.timestampToleranceSeconds, replayCache: options.replayCache, now: options.now };
}

/** Verify a parsed Mailgun body: HMAC (or parent-account HMAC) under any key, window, token claim. */
export function verifyMailgunSignature(signed: SignedWebhook<string>, { signature }: MailgunPayload, request: WebhookRequest): Promise<void> {
  const given = [signature.signature, signature.parentSignature].filter((value) => value !== '').map((value) => value.toLowerCase());
  return signed.verify(request, {
    signatureValid: (key) => {
      const expected = createHmac('sha256', key).update(signature.timestamp + signature.token).digest('hex');
      // Both fields are compared, so the time taken doesn't tell which one matched.
      let matched = false;
      for (const value of given) matched = constantTimeEqual(expected, value) || matched;
      return matched;
    },
    timestampMs: /^\d+$/.test(signature.timestamp) ? Number(signature.timestamp) * 1000 : Number.NaN,
    // The token is a signed nonce: Mailgun never sends two events with the same one.
    claimKey: signature.token,
    invalidMessage: 'Mailgun webhook signature is invalid (check webhookSigningKey: the "HTTP webhook signing key", not the API key)',
  });
}

/** Mailgun tracking webhook: HMAC signature, timestamp window and token replay cache. */
export function trackingWebhook(options: MailgunTrackingWebhookOptions = {}): TrackingWebhook {
  const signed = mailgunSignedWebhook(options);
  return createTrackingWebhook<MailgunPayload>({
    espName: ESP_NAME,
    esp: 'mailgun',
    ...sharedWebhookOptions(options),
    contentTypes: ['application/json', 'multipart/form-data', 'application/x-www-form-urlencoded'],
    readEnvelope: readMailgunPayload,
    verify: (payload, request) => verifyMailgunSignature(signed, payload, request),
    parseEvents(payload) {
      if (payload.form && isInboundForm(payload.form)) {
        throw misroutedWebhook(ESP_NAME, 'inbound', "the Mailgun route's forward()/store(notify=...) action");
      }
      return [payload.form ? legacyEvent(payload.form) : modernEvent(payload.eventData!)];
    },
  });
}

/** A routes post (inbound mail) rather than a legacy tracking post: message fields and no `event`. */
export function isInboundForm(form: FormData): boolean {
  return !form.has('event') && (form.has('body-mime') || form.has('body-plain') || form.has('message-headers'));
}

/** Map one `event-data` object (JSON webhooks). */
export function modernEvent(data: Json): AnymailTrackingEvent {
  const event = String(data.event ?? '');
  const reason = typeof data.reason === 'string' ? data.reason : undefined;
  const status = (data['delivery-status'] ?? {}) as Json;
  const message = (data.message ?? {}) as Json;
  const headers = (message.headers ?? {}) as Json;
  const clientInfo = (data['client-info'] ?? {}) as Json;
  const reject = (data.reject ?? {}) as Json;
  let eventType = MAILGUN_EVENT_TYPES[event] ?? 'unknown';
  if (event === 'failed') {
    if (data.severity === 'temporary') eventType = 'deferred';
    else eventType = reason && MAILGUN_SUPPRESSION_REASONS.has(reason) ? 'rejected' : 'bounced';
  }
  const failing = event === 'failed' || event === 'rejected';
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: data,
    eventType,
    timestamp: parseEventTime(data.timestamp),
    eventId: str(data.id),
    messageId: bracketed(headers['message-id']),
    recipient: str(data.recipient),
    tags: Array.isArray(data.tags) ? data.tags.map(String) : [],
    metadata: (data['user-variables'] ?? {}) as Record<string, unknown>,
    rejectReason: !failing
      ? undefined
      : eventType === 'bounced' && (!reason || reason === 'generic')
        ? 'bounced'
        : (reason && MAILGUN_REJECT_REASONS[reason]) || 'other',
    description: str(status.description) ?? str(reject.reason) ?? str(reject.description),
    mtaResponse: str(status.message),
    userAgent: str(clientInfo['user-agent']),
    clickUrl: str(data.url),
  });
}

/** Map one legacy form-encoded webhook post. */
export function legacyEvent(form: FormData): AnymailTrackingEvent {
  const fields: Record<string, string> = {};
  const metadata: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string') continue;
    fields[name] = value;
    if (!MAILGUN_LEGACY_FIELDS.has(name)) metadata[name] = value;
  }
  const variables = fields['X-Mailgun-Variables'];
  if (variables) Object.assign(metadata, safeJson(variables));
  const event = fields.event ?? '';
  const eventType = MAILGUN_LEGACY_EVENT_TYPES[event] ?? 'unknown';
  const reason = fields.reason;
  const tags = [...form.getAll('tag'), ...form.getAll('X-Mailgun-Tag')].map(String);
  return createTrackingEvent({
    espName: ESP_NAME,
    espEvent: fields,
    eventType,
    timestamp: parseEventTime(fields.timestamp),
    messageId: bracketed(fields['Message-Id'] ?? fields['message-id']),
    recipient: str(fields.recipient),
    tags,
    metadata,
    rejectReason:
      event === 'bounced' ? 'bounced' : event === 'dropped' ? ((reason && MAILGUN_REJECT_REASONS[reason]) || 'other') : undefined,
    description: str(fields.description),
    mtaResponse: str(fields.error ?? fields.notification),
    userAgent: str(fields['user-agent']),
    clickUrl: str(fields.url),
  });
}

/**
 * Mailgun's events give the Message-ID without its angle brackets (legacy posts sometimes with
 * them); the send status has them, so add them when missing, as Anymail does.
 */
function bracketed(value: unknown): string | undefined {
  const id = str(value);
  return id === undefined || id.startsWith('<') ? id : `<${id}>`;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
