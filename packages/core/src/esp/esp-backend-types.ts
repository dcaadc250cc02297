// The contracts of an ESP backend: the options every ESP takes, what an ESP says about an
// error response, and how it sends several messages in one request.
import type { BaseEmailBackendOptions } from '../backends/base-email-backend.js';
import type { AnymailError, FailureCategory } from '../errors.js';
import type { AnymailStatus } from '../status.js';
import type { EspRequest, EspResponse } from './esp-request.js';
import type { FetchFunction } from './http-transport.js';

/** Options every ESP backend takes. */
export interface BaseEspBackendOptions extends BaseEmailBackendOptions {
  /** The ESP's API base URL (tests and sandboxes point it at a local server). */
  apiUrl?: string;
  /** Idle timeout in ms: waiting for the response headers, then between body chunks. @default 30000 */
  timeoutMs?: number;
  /** Connect timeout in ms. @default min(timeoutMs, 10000) */
  connectTimeoutMs?: number;
  /**
   * Whole-request deadline in ms, from dispatch to the last body byte, whatever the ESP trickles.
   * Reported as an AnymailAPIError with category 'timeout' (`deliveryUnknown: true` once the
   * request went out). Also bounds how long `close()` waits for requests in flight.
   * @default timeoutMs + connectTimeoutMs (40000 with the defaults)
   */
  deadlineMs?: number;
  /** Drop features the ESP cannot honour instead of raising AnymailUnsupportedFeature. @default false */
  ignoreUnsupportedFeatures?: boolean;
  /** Don't raise AnymailRecipientsRefused when every recipient is rejected or invalid. @default false */
  ignoreRecipientStatus?: boolean;
  /** Route HTTP through this Fetch API function (msw, edge runtimes) instead of the undici pool. */
  fetch?: FetchFunction;
  /** Largest ESP response read, in bytes. @default 1 MiB */
  maxResponseBytes?: number;
  /**
   * Keep-alive connections per ESP origin. @default 32, or more when a caller such as the outbox's
   * drain says (through `expectConcurrency`) that it keeps more requests in flight
   */
  connections?: number;
  /** Log each request (secrets redacted) and response status through this function. */
  debugLog?: (line: string) => void;
}

/** What an ESP says about an error response, beyond the HTTP status. */
export interface ErrorDescription {
  message?: string;
  category?: FailureCategory;
  retryAfterMs?: number;
  code?: string;
}

/**
 * Optional: an ESP that can send several messages in one request (e.g. Postmark's email/batch).
 * `Part` is what `parse` gives per message: statuses only (the default), or `AnymailStatus |
 * AnymailError` for an ESP whose batch answer can refuse one message while its neighbours go out.
 */
export interface CombinedSend<Context = unknown, Part extends AnymailStatus | AnymailError = AnymailStatus> {
  /** Most messages one request may carry. */
  maxMessages: number;
  /** Whether this message's request may be combined with others. */
  canCombine(request: EspRequest<Context>): boolean;
  /**
   * Requests combine only with requests of the same key (SparkPost: one transmission holds many
   * recipients but one content). @default every combinable request shares one group
   */
  groupKey?(request: EspRequest<Context>): string;
  /** One request for several messages' requests. */
  build(requests: readonly EspRequest<Context>[]): EspRequest<Context>;
  /**
   * One result per part, in order: its status, or an AnymailError for a part the ESP refused on its
   * own while the others went out (Mailjet's per-message `Errors`): that message fails with it, as
   * it would have sent alone. Throw to fail every part.
   */
  parse(response: EspResponse, combined: EspRequest<Context>, parts: readonly EspRequest<Context>[]): readonly Part[];
}
