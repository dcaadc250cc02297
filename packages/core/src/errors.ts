/**
 * Every error Anymail raises. Errors carry facts (category, status code, whether the
 * ESP may have accepted the message); policies such as failover and the outbox's retry
 * decide what to do with them.
 */

/** What kind of failure an error is. Policies (failover, retry) key off this. */
export type FailureCategory =
  | 'network'
  | 'timeout'
  | 'rate-limit'
  | 'auth'
  | 'server'
  | 'invalid-request'
  | 'recipients-refused'
  | 'unsupported-feature'
  | 'configuration';

export interface AnymailErrorOptions {
  /** Stable machine-readable code, e.g. `ANYMAIL_API_ERROR`. */
  code?: string;
  category?: FailureCategory;
  espName?: string;
  statusCode?: number;
  /** The ESP's response body; stored truncated. */
  responseBody?: string;
  retryAfterMs?: number;
  /** True when the request may have reached the ESP, so a resend could deliver twice. */
  deliveryUnknown?: boolean;
  cause?: unknown;
}

const BRAND = Symbol.for('@anymail/core/AnymailError');
const CANCEL_BRAND = Symbol.for('@anymail/core/AnymailCancelSend');
/** Longest response body kept on an error (characters). */
export const MAX_ERROR_BODY_CHARS = 1000;

export function truncateBody(body: string | undefined, max = MAX_ERROR_BODY_CHARS): string | undefined {
  if (body === undefined) return undefined;
  return body.length > max ? `${body.slice(0, max)}… (${body.length - max} more characters)` : body;
}

/** Base class of every Anymail error. `AnymailError.isInstance(e)` works across package copies. */
export class AnymailError extends Error {
  readonly [BRAND] = true;
  readonly code: string;
  readonly category: FailureCategory;
  readonly espName: string | undefined;
  readonly statusCode: number | undefined;
  readonly responseBody: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly deliveryUnknown: boolean;

  constructor(message: string, options: AnymailErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'ANYMAIL_ERROR';
    this.category = options.category ?? 'invalid-request';
    this.espName = options.espName;
    this.statusCode = options.statusCode;
    this.responseBody = truncateBody(options.responseBody);
    this.retryAfterMs = options.retryAfterMs;
    this.deliveryUnknown = options.deliveryUnknown ?? false;
  }

  /** Whether trying the same request again later may succeed (a person need not fix anything). */
  get retryable(): boolean {
    return retryableCategories.has(this.category);
  }

  static isInstance(value: unknown): value is AnymailError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

const retryableCategories: ReadonlySet<FailureCategory> = new Set(['network', 'timeout', 'rate-limit', 'server']);

/** The ESP answered with an error, or could not be reached, or answered something unreadable. */
export class AnymailAPIError extends AnymailError {
  constructor(message: string, options: AnymailErrorOptions = {}) {
    super(message, { code: 'ANYMAIL_API_ERROR', category: 'server', ...options });
  }
}

/** Every recipient of a message was rejected or invalid (see `ignoreRecipientStatus`). */
export class AnymailRecipientsRefused extends AnymailError {
  constructor(message = 'All message recipients were rejected or invalid', options: AnymailErrorOptions = {}) {
    super(message, { code: 'ANYMAIL_RECIPIENTS_REFUSED', ...options, category: 'recipients-refused' });
  }
}

/** An email address could not be parsed, or is not allowed where it was used. */
export class AnymailInvalidAddress extends AnymailError {
  constructor(message: string, options: AnymailErrorOptions = {}) {
    super(message, { code: 'ANYMAIL_INVALID_ADDRESS', ...options, category: 'invalid-request' });
  }
}

/** The ESP cannot honour a feature the message uses. Not for limits the ESP validates itself. */
export class AnymailUnsupportedFeature extends AnymailError {
  readonly feature: string;
  constructor(message: string, options: AnymailErrorOptions & { feature: string }) {
    super(message, { code: 'ANYMAIL_UNSUPPORTED_FEATURE', ...options, category: 'unsupported-feature' });
    this.feature = options.feature;
  }
}

/** A value in the message could not be serialized for the ESP (e.g. metadata that is not JSON). */
export class AnymailSerializationError extends AnymailError {
  constructor(message: string, options: AnymailErrorOptions = {}) {
    super(message, { code: 'ANYMAIL_SERIALIZATION_ERROR', ...options, category: 'invalid-request' });
  }
}

/** A setting is missing or wrong. Never hidden by `failSilently`. */
export class AnymailConfigurationError extends AnymailError {
  constructor(message: string, options: AnymailErrorOptions = {}) {
    super(message, { code: 'ANYMAIL_CONFIGURATION_ERROR', ...options, category: 'configuration' });
  }
}

/** A webhook request failed its authenticity check (signature, basic auth, timestamp, replay). */
export class AnymailWebhookValidationFailure extends AnymailError {
  constructor(message: string, options: AnymailErrorOptions = {}) {
    super(message, { code: 'ANYMAIL_WEBHOOK_VALIDATION_FAILURE', ...options, category: 'auth' });
  }
}

/**
 * A webhook request cannot be processed right now (the replay cache is full, a certificate fetch
 * timed out, the same request is still being processed): answered 503 with Retry-After so the ESP
 * retries later. Never means the request was accepted.
 */
export class AnymailWebhookBusy extends AnymailError {
  constructor(message: string, options: AnymailErrorOptions = {}) {
    super(message, { code: 'ANYMAIL_WEBHOOK_BUSY', statusCode: 503, ...options, category: 'server' });
  }
}

/**
 * Not a failure: a webhook request the ESP redelivered (same signed id or nonce) was already
 * processed. Answered 200 with nothing delivered again, so the ESP stops retrying; `parse()` returns
 * no events for it. A captured request replayed by someone else gains nothing either.
 */
export class AnymailWebhookDuplicate extends AnymailError {
  constructor(message: string, options: AnymailErrorOptions = {}) {
    super(message, { code: 'ANYMAIL_WEBHOOK_DUPLICATE', statusCode: 200, ...options, category: 'invalid-request' });
  }
}

/** A header name or value contains CR or LF (header injection). */
export class BadHeaderError extends AnymailError {
  constructor(message: string, options: AnymailErrorOptions = {}) {
    super(message, { code: 'ANYMAIL_BAD_HEADER', ...options, category: 'invalid-request' });
  }
}

/**
 * Throw from a `preSend` receiver to skip one message silently: it is not sent,
 * not counted, and not an error.
 */
export class AnymailCancelSend extends Error {
  readonly [CANCEL_BRAND] = true;
  constructor(message = 'Send cancelled by a preSend receiver') {
    super(message);
    this.name = 'AnymailCancelSend';
  }
  static isInstance(value: unknown): value is AnymailCancelSend {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CANCEL_BRAND] === true;
  }
}

/** HTTP status → failure category. ESPs refine this from their body codes. */
export function classifyHttpStatus(statusCode: number): FailureCategory {
  if (statusCode === 401 || statusCode === 403) return 'auth';
  if (statusCode === 429) return 'rate-limit';
  if (statusCode === 408) return 'timeout';
  if (statusCode >= 500) return 'server';
  return 'invalid-request';
}

/** Parse a `Retry-After` header (delta seconds or HTTP date) into milliseconds from now. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
