import { BaseEmailBackend } from '../backends/base-email-backend.js';
import type { BaseEspBackendOptions, CombinedSend, ErrorDescription } from './esp-backend-types.js';
import {
  AnymailAPIError,
  AnymailError,
  classifyHttpStatus,
  parseRetryAfter,
} from '../errors.js';
import type { EmailMessage } from '../message.js';
import type { Delivery, FailedDelivery, SendDriver, SendJob } from '../backends/send-pipeline.js';
import { getSettings } from '../settings.js';
import type { AnymailStatus } from '../status.js';
import { makePayloadContext, unsupported, type FeatureName, type FeatureSupportTable, type PayloadContext } from './esp-features.js';
import type { EspRequest, EspResponse } from './esp-request.js';
import { resolveTimeouts, type EspTimeouts } from './deadline.js';
import { HttpTransport } from './http-transport.js';
import { credentialValues as requestCredentials, describeRequest, redactError } from './redact.js';
import { resolveFeatures } from './resolve-features.js';

export type { BaseEspBackendOptions, CombinedSend, ErrorDescription } from './esp-backend-types.js';

/**
 * Header names whose values are never logged or shown in errors, besides those redact.ts always
 * hides by name (authorization, *token*, *secret*, api-key, ...).
 */
export const DEFAULT_SECRET_HEADERS: readonly string[] = ['authorization', 'x-postmark-server-token', 'x-amz-security-token'];

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Keep-alive connections per ESP origin when neither `connections` nor `expectConcurrency` says more. */
const DEFAULT_CONNECTIONS = 32;
/** Messages in flight at once in sendMessages, for ESPs without a batch endpoint. */
export const DEFAULT_SEND_CONCURRENCY = 10;

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
  readonly timeoutMs: number;
  /** The whole-request deadline (see the `deadlineMs` option). */
  readonly deadlineMs: number;
  /** Header names never logged in clear (lower-case). */
  protected readonly secretHeaders: readonly string[] = DEFAULT_SECRET_HEADERS;
  /**
   * The ESP's feature table, when it wants FailoverBackend (and `supportsFeature`) to know which
   * features it can't honour at all.
   */
  protected readonly featureTable: FeatureSupportTable | undefined = undefined;
  /** Batching support; undefined when the ESP sends one message per request. */
  protected readonly combinedSend: CombinedSend<unknown, AnymailStatus | AnymailError> | undefined = undefined;
  readonly #options: BaseEspBackendOptions;
  #transport: HttpTransport | undefined;
  #expectedConcurrency = DEFAULT_CONNECTIONS;
  #baseUrl: URL | undefined;
  readonly #timeouts: EspTimeouts;
  /** Headers of the latest request: where error redaction finds the credentials an ESP may echo. */
  #lastHeaders: Readonly<Record<string, string>> = {};

  constructor(options: BaseEspBackendOptions = {}) {
    super(options);
    this.#options = options;
    this.ignoreUnsupportedFeatures = options.ignoreUnsupportedFeatures ?? false;
    this.ignoreRecipientStatus = options.ignoreRecipientStatus ?? false;
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
      connections: this.#options.connections ?? this.#expectedConcurrency,
      fetch: this.#options.fetch,
    });
    return this.#transport;
  }

  /** Sizes the pool for `requests` in flight, unless `connections` was given or the pool is already open. */
  override expectConcurrency(requests: number): void {
    super.expectConcurrency(requests);
    this.#expectedConcurrency = Math.max(this.#expectedConcurrency, requests);
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

  protected override defaultSendConcurrency(): number {
    return DEFAULT_SEND_CONCURRENCY;
  }

  protected override sendDriver(): SendDriver {
    const combined = this.combinedSend;
    return {
      ...super.sendDriver(),
      // The HTTP pool opens lazily and stays open between calls (keep-alive); close() ends it.
      open: undefined,
      close: undefined,
      checkRecipients: !this.ignoreRecipientStatus,
      prepare: (job) => {
        const features = resolveFeatures(job.message);
        const context = makePayloadContext(this.espName, job.message, features, this.ignoreUnsupportedFeatures);
        const built = this.buildRequest(job.message, context);
        if (built instanceof Promise) return built.then((request) => void (job.prepared = request));
        job.prepared = built;
      },
      deliver: (job) => this.#deliverOne(job.message, job.prepared as EspRequest),
      // Errors from #post were redacted with their own request's credentials; this catches the rest.
      redact: (error) => this.#redacted(error, this.#lastHeaders),
      combined: combined && {
        max: combined.maxMessages,
        canCombine: (job) => combined.canCombine(job.prepared as EspRequest),
        groupKey: combined.groupKey && ((job) => combined.groupKey!(job.prepared as EspRequest)),
        deliver: (jobs) => this.#deliverCombined(combined, jobs),
      },
    };
  }

  async #deliverOne(message: EmailMessage, request: EspRequest): Promise<Delivery> {
    const response = await this.#post(request);
    let status: AnymailStatus;
    try {
      status = this.parseResponse(response, request, message);
    } catch (error) {
      throw this.#unreadable(error, response);
    }
    return { status, statusCode: response.statusCode, responseBody: response.text() };
  }

  async #deliverCombined(combined: CombinedSend<unknown, AnymailStatus | AnymailError>, jobs: readonly SendJob[]): Promise<(Delivery | FailedDelivery)[]> {
    const requests = jobs.map((job) => job.prepared as EspRequest);
    const request = combined.build(requests);
    const response = await this.#post(request);
    let results: readonly (AnymailStatus | AnymailError)[];
    try {
      results = combined.parse(response, request, requests);
    } catch (error) {
      throw this.#unreadable(error, response);
    }
    return results.map((result) =>
      AnymailError.isInstance(result)
        ? { error: this.#redacted(result, request.headers) }
        : { status: result, statusCode: response.statusCode, responseBody: response.text() },
    );
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
