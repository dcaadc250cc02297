import { BaseEmailBackend, type BaseEmailBackendOptions } from '../backends/base-email-backend.js';
import {
  AnymailAPIError,
  AnymailError,
  AnymailRecipientsRefused,
  classifyHttpStatus,
  parseRetryAfter,
  type FailureCategory,
} from '../errors.js';
import type { EmailMessage } from '../message.js';
import { checkMessage, failSilentlyHides, runPreSend } from '../backends/send-steps.js';
import { getSettings } from '../settings.js';
import { postSend } from '../signals.js';
import { AnymailStatus } from '../status.js';
import { makePayloadContext, unsupported, type FeatureName, type FeatureSupportTable, type PayloadContext } from './esp-features.js';
import type { EspRequest, EspResponse } from './esp-request.js';
import { resolveTimeouts, type EspTimeouts } from './deadline.js';
import { HttpTransport, type FetchFunction } from './http-transport.js';
import { credentialValues as requestCredentials, describeRequest, redactError } from './redact.js';
import { resolveFeatures, type SendDefaults } from './resolve-features.js';

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
  /** Message fields applied to every message (lists concatenated, objects merged, scalars: message wins). */
  sendDefaults?: SendDefaults;
  /** Route HTTP through this Fetch API function (msw, edge runtimes) instead of the undici pool. */
  fetch?: FetchFunction;
  /** Largest ESP response read, in bytes. @default 1 MiB */
  maxResponseBytes?: number;
  /** Keep-alive connections per ESP origin. @default 32 */
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

/** Optional: an ESP that can send several messages in one request (e.g. Postmark's email/batch). */
export interface CombinedSend {
  /** Most messages one request may carry. */
  maxMessages: number;
  /** Whether this message's request may be combined with others. */
  canCombine(request: EspRequest): boolean;
  /** One request for several messages' requests. */
  build(requests: readonly EspRequest[]): EspRequest;
  /** One status per part, in order. */
  parse(response: EspResponse, combined: EspRequest, parts: readonly EspRequest[]): AnymailStatus[];
}

interface Prepared {
  message: EmailMessage;
  request: EspRequest;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The send loop every HTTP ESP shares: preSend → buildRequest → HTTP → parseResponse →
 * status → postSend → recipients-refused check. An ESP package says only how a message
 * becomes a request and how a response becomes a status.
 */
export abstract class BaseEspBackend extends BaseEmailBackend {
  /** The ESP's name in its own capitalization, e.g. 'Postmark'. */
  abstract readonly espName: string;
  readonly ignoreUnsupportedFeatures: boolean;
  readonly ignoreRecipientStatus: boolean;
  readonly sendDefaults: SendDefaults;
  readonly timeoutMs: number;
  /** The whole-request deadline (see the `deadlineMs` option). */
  readonly deadlineMs: number;
  /** Header names never logged in clear (lower-case). */
  protected readonly secretHeaders: readonly string[] = ['authorization', 'x-postmark-server-token', 'x-amz-security-token'];
  /**
   * The ESP's feature table, when it wants FailoverBackend (and `supportsFeature`) to know which
   * features it can't honour at all.
   */
  protected readonly featureTable: FeatureSupportTable | undefined = undefined;
  /** Batching support; undefined when the ESP sends one message per request. */
  protected readonly combinedSend: CombinedSend | undefined = undefined;
  readonly #options: BaseEspBackendOptions;
  #transport: HttpTransport | undefined;
  #baseUrl: URL | undefined;
  readonly #timeouts: EspTimeouts;
  /** Headers of the latest request: where error redaction finds the credentials an ESP may echo. */
  #lastHeaders: Readonly<Record<string, string>> = {};

  constructor(options: BaseEspBackendOptions = {}) {
    super(options);
    this.#options = options;
    this.ignoreUnsupportedFeatures = options.ignoreUnsupportedFeatures ?? false;
    this.ignoreRecipientStatus = options.ignoreRecipientStatus ?? false;
    this.sendDefaults = options.sendDefaults ?? {};
    this.#timeouts = resolveTimeouts(new.target.name, options);
    this.timeoutMs = this.#timeouts.timeoutMs;
    this.deadlineMs = this.#timeouts.deadlineMs;
  }

  /** The API base URL requests are resolved against (ends with '/'). */
  protected abstract get apiUrl(): string;

  /** Build the HTTP request for one message. Returns data; never sends. */
  protected abstract buildRequest(message: EmailMessage, context: PayloadContext): EspRequest | Promise<EspRequest>;

  /** Turn a successful response into a status. Throw AnymailAPIError for an error hidden in a 2xx. */
  protected abstract parseResponse(response: EspResponse, request: EspRequest, message: EmailMessage): AnymailStatus;

  /** Whether this ESP can honour a feature (partly, at least); undefined when it doesn't say. */
  supportsFeature(feature: FeatureName): boolean | undefined {
    const table = this.featureTable;
    return table ? table[feature] !== unsupported : undefined;
  }

  /** Whether a response goes to `parseResponse` (default: 2xx). Others become AnymailAPIError. */
  protected isSuccess(response: EspResponse): boolean {
    return response.statusCode >= 200 && response.statusCode < 300;
  }

  /** Refine an error response: the ESP's message, a better category, a retry delay. */
  protected describeError(_response: EspResponse, _request: EspRequest): ErrorDescription | undefined {
    return undefined;
  }

  /**
   * Called right before each request is sent (e.g. request signing). May answer synchronously,
   * so a backend that signs with cached credentials pays no promise per message.
   */
  protected finalizeRequest(request: EspRequest): EspRequest | Promise<EspRequest> {
    return request;
  }

  protected get transport(): HttpTransport {
    this.#transport ??= new HttpTransport({
      espName: this.espName,
      ...this.#timeouts,
      maxResponseBytes: this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      connections: this.#options.connections ?? 32,
      fetch: this.#options.fetch,
    });
    return this.#transport;
  }

  override async open(): Promise<boolean> {
    if (this.#transport) return false;
    void this.transport;
    return true;
  }

  override async close(): Promise<void> {
    const transport = this.#transport;
    this.#transport = undefined;
    await transport?.close();
  }

  override async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    let sent = 0;
    const combinable: Prepared[] = [];
    const combined = this.combinedSend;
    for (const message of messages) {
      try {
        const pending = this.prepare(message);
        const prepared = pending instanceof Promise ? await pending : pending;
        if (!prepared) continue;
        if (combined && messages.length > 1 && combined.canCombine(prepared.request)) {
          combinable.push(prepared);
          if (combinable.length >= combined.maxMessages) sent += await this.#sendCombined(combinable.splice(0));
          continue;
        }
        sent += await this.#sendOne(prepared);
      } catch (error) {
        this.#handleError(error);
      }
    }
    if (combinable.length > 0) {
      try {
        sent += await this.#sendCombined(combinable);
      } catch (error) {
        this.#handleError(error);
      }
    }
    return sent;
  }

  /**
   * preSend, then build the request. Undefined when cancelled or without recipients.
   * Stays synchronous when no preSend receiver is connected and buildRequest is synchronous,
   * so the hot path pays no extra promise per message.
   */
  protected prepare(message: EmailMessage): Prepared | undefined | Promise<Prepared | undefined> {
    const go = runPreSend(this.constructor, message, this.espName);
    if (go === true) return this.#build(message);
    if (go === false) return undefined;
    return go.then((proceed) => (proceed ? this.#build(message) : undefined));
  }

  #build(message: EmailMessage): Prepared | undefined | Promise<Prepared | undefined> {
    checkMessage(message);
    if (message.recipients().length === 0 && !this.sendDefaults.to && !this.sendDefaults.cc && !this.sendDefaults.bcc) {
      return undefined;
    }
    const features = resolveFeatures(message, this.sendDefaults);
    const context = makePayloadContext(this.espName, message, features, this.ignoreUnsupportedFeatures);
    const built = this.buildRequest(message, context);
    return built instanceof Promise ? built.then((request) => ({ message, request })) : { message, request: built };
  }

  async #sendOne({ message, request }: Prepared): Promise<number> {
    const response = await this.#post(request);
    let status: AnymailStatus;
    try {
      status = this.parseResponse(response, request, message);
    } catch (error) {
      throw this.#unreadable(error, response);
    }
    const finishing = this.#finish(message, status);
    if (finishing) await finishing;
    this.#checkRecipients(status, response);
    return 1;
  }

  async #sendCombined(parts: Prepared[]): Promise<number> {
    const combined = this.combinedSend!;
    if (parts.length === 1) return this.#sendOne(parts[0]!);
    const requests = parts.map((part) => part.request);
    const request = combined.build(requests);
    const response = await this.#post(request);
    let statuses: AnymailStatus[];
    try {
      statuses = combined.parse(response, request, requests);
    } catch (error) {
      throw this.#unreadable(error, response);
    }
    let refused: unknown;
    for (let i = 0; i < parts.length; i++) {
      const finishing = this.#finish(parts[i]!.message, statuses[i]!);
      if (finishing) await finishing;
      try {
        this.#checkRecipients(statuses[i]!, response);
      } catch (error) {
        refused ??= error;
      }
    }
    if (refused) this.#handleError(refused);
    return parts.length;
  }

  /** Set the status and run postSend; synchronous (no promise per message) when nobody listens. */
  #finish(message: EmailMessage, status: AnymailStatus): Promise<unknown> | undefined {
    status.espName = this.espName;
    message.anymailStatus = status;
    if (!postSend.hasListeners(this.constructor)) return undefined;
    return postSend.sendRobust(this.constructor, { message, status, espName: this.espName });
  }

  #checkRecipients(status: AnymailStatus, response: EspResponse): void {
    if (this.ignoreRecipientStatus) return;
    const statuses = Object.values(status.recipients);
    if (statuses.length > 0 && statuses.every((r) => r.status === 'invalid' || r.status === 'rejected')) {
      throw new AnymailRecipientsRefused(
        `${this.espName} refused every recipient: ${Object.keys(status.recipients).join(', ')}. ` +
          'Pass ignoreRecipientStatus: true to treat this as a normal result.',
        { espName: this.espName, statusCode: response.statusCode, responseBody: response.text() },
      );
    }
  }

  #unreadable(error: unknown, response: EspResponse): AnymailError {
    if (AnymailError.isInstance(error)) return error;
    return new AnymailAPIError(`${this.espName} returned a response Anymail could not read: ${String(error)}`, {
      code: 'ANYMAIL_BAD_RESPONSE',
      category: 'server',
      statusCode: response.statusCode,
      responseBody: response.text(),
      espName: this.espName,
      deliveryUnknown: response.statusCode < 300,
      cause: error,
    });
  }

  /**
   * Credential values this backend knows, hidden from error text besides those found in its
   * requests' secret headers and apiUrl. Override to add e.g. a signing secret that is never sent.
   */
  protected credentialValues(): readonly string[] {
    return [];
  }

  /** The error with the credentials of `headers`, the apiUrl and `credentialValues()` hidden. */
  #redacted<E>(error: E, headers: Readonly<Record<string, string>>): E {
    let apiUrl: string | undefined;
    try {
      apiUrl = this.apiUrl;
    } catch {
      apiUrl = undefined;
    }
    return redactError(error, [...requestCredentials(headers, this.secretHeaders, apiUrl), ...this.credentialValues()]);
  }

  #handleError(error: unknown): void {
    // Errors from #post were redacted with their own request's credentials; this catches the rest.
    this.#redacted(error, this.#lastHeaders);
    if (!this.failSilently || !failSilentlyHides(error)) throw error;
  }

  async #post(draft: EspRequest): Promise<EspResponse> {
    this.#baseUrl ??= new URL(this.apiUrl.endsWith('/') ? this.apiUrl : `${this.apiUrl}/`);
    const finalized = this.finalizeRequest(draft);
    const request = finalized instanceof Promise ? await finalized : finalized;
    this.#lastHeaders = request.headers;
    const log = this.#options.debugLog ?? getSettings().debugLog;
    const started = log ? performance.now() : 0;
    if (log) log(describeRequest(this.espName, this.#baseUrl, request, this.secretHeaders));
    let response: EspResponse;
    try {
      response = await this.transport.send(this.#baseUrl, request);
    } catch (error) {
      throw this.#redacted(error, request.headers);
    }
    if (log) log(`${this.espName} ← HTTP ${response.statusCode} (${response.body.byteLength} bytes, ${(performance.now() - started).toFixed(1)} ms)`);
    if (!this.isSuccess(response)) throw this.#redacted(this.#httpError(response, request), request.headers);
    return response;
  }

  #httpError(response: EspResponse, request: EspRequest): AnymailAPIError {
    let description: ErrorDescription | undefined;
    try {
      description = this.describeError(response, request);
    } catch {
      description = undefined;
    }
    const category = description?.category ?? classifyHttpStatus(response.statusCode);
    const retryAfterMs = description?.retryAfterMs ?? parseRetryAfter(response.headers['retry-after']);
    const detail = description?.message ?? (response.text().slice(0, 300) || '(empty body)');
    return new AnymailAPIError(`${this.espName} API response ${response.statusCode}: ${detail}`, {
      code: description?.code ?? 'ANYMAIL_API_ERROR',
      category,
      statusCode: response.statusCode,
      responseBody: response.text(),
      retryAfterMs,
      espName: this.espName,
      deliveryUnknown: false,
    });
  }
}
