import { Pool, type Dispatcher } from 'undici';
import { AnymailAPIError, type FailureCategory } from '../errors.js';
import type { EspRequest, EspResponse } from './esp-request.js';
import { assertTestNetworkAllows } from './test-network-guard.js';

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  espName: string;
  /** Headers and body timeout (and, through `fetch`, the whole request). */
  timeoutMs: number;
  /** Connect timeout. @default min(timeoutMs, 10000) */
  connectTimeoutMs?: number;
  /** Largest response body read; more is an error. */
  maxResponseBytes: number;
  /** Keep-alive connections per origin. */
  connections: number;
  /** Send through this Fetch API function instead of the undici pool. */
  fetch?: FetchFunction;
}

interface NetworkFacts {
  category: FailureCategory;
  deliveryUnknown: boolean;
  what: string;
}

/** undici / Node error codes → what happened, and whether the ESP may have the request. */
const networkErrors: Record<string, NetworkFacts> = {
  ECONNREFUSED: { category: 'network', deliveryUnknown: false, what: 'connection refused' },
  ENOTFOUND: { category: 'network', deliveryUnknown: false, what: 'host not found' },
  EAI_AGAIN: { category: 'network', deliveryUnknown: false, what: 'DNS lookup failed' },
  EHOSTUNREACH: { category: 'network', deliveryUnknown: false, what: 'host unreachable' },
  ENETUNREACH: { category: 'network', deliveryUnknown: false, what: 'network unreachable' },
  UND_ERR_CONNECT_TIMEOUT: { category: 'timeout', deliveryUnknown: false, what: 'connect timeout' },
  UND_ERR_HEADERS_TIMEOUT: { category: 'timeout', deliveryUnknown: true, what: 'timed out waiting for the response headers' },
  UND_ERR_BODY_TIMEOUT: { category: 'timeout', deliveryUnknown: true, what: 'timed out reading the response body' },
  UND_ERR_SOCKET: { category: 'network', deliveryUnknown: true, what: 'connection closed by the server' },
  ECONNRESET: { category: 'network', deliveryUnknown: true, what: 'connection reset' },
  EPIPE: { category: 'network', deliveryUnknown: true, what: 'connection closed while sending' },
  UND_ERR_CLOSED: { category: 'network', deliveryUnknown: false, what: 'client closed' },
};

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if ((current as { name?: unknown }).name === 'TimeoutError') return 'FETCH_TIMEOUT';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Map a transport failure to an AnymailAPIError carrying category and deliveryUnknown. */
export function networkError(error: unknown, espName: string, url: string): AnymailAPIError {
  const code = errorCode(error);
  const facts: NetworkFacts =
    code === 'FETCH_TIMEOUT'
      ? { category: 'timeout', deliveryUnknown: true, what: 'request timed out' }
      : (code && networkErrors[code]) || { category: 'network', deliveryUnknown: true, what: 'network error' };
  return new AnymailAPIError(`${espName}: ${facts.what} (${code ?? 'unknown error'}) for ${url}`, {
    code: `ANYMAIL_${facts.category === 'timeout' ? 'TIMEOUT' : 'NETWORK'}`,
    category: facts.category,
    deliveryUnknown: facts.deliveryUnknown,
    espName,
    cause: error,
  });
}

class ReadResponse implements EspResponse {
  #text: string | undefined;
  constructor(
    readonly statusCode: number,
    readonly headers: Record<string, string>,
    readonly body: Uint8Array,
    readonly url: string,
    private readonly espName: string,
  ) {}
  text(): string {
    this.#text ??= Buffer.from(this.body.buffer, this.body.byteOffset, this.body.byteLength).toString('utf8');
    return this.#text;
  }
  json(): unknown {
    const text = this.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new AnymailAPIError(`${this.espName} returned a response that is not JSON (HTTP ${this.statusCode})`, {
        code: 'ANYMAIL_BAD_RESPONSE',
        category: this.statusCode >= 500 ? 'server' : this.statusCode >= 400 ? 'invalid-request' : 'server',
        statusCode: this.statusCode,
        responseBody: text,
        espName: this.espName,
        deliveryUnknown: this.statusCode < 300,
        cause: error,
      });
    }
  }
}

/** A failure while sending or reading: Anymail's own errors as they are, others mapped; after the headers, delivery is unknown. */
function transportError(error: unknown, espName: string, url: string, statusCode: number): AnymailAPIError {
  if (AnymailAPIError.isInstance(error)) return error;
  const mapped = networkError(error, espName, url);
  // Headers arrived but the body broke off: the ESP certainly has the request.
  if (statusCode !== 0) return new AnymailAPIError(mapped.message, { ...mapped, statusCode, deliveryUnknown: true, cause: error });
  return mapped;
}

function tooLarge(espName: string, statusCode: number, max: number): AnymailAPIError {
  return new AnymailAPIError(`${espName} response body is larger than ${max} bytes (maxResponseBytes)`, {
    code: 'ANYMAIL_RESPONSE_TOO_LARGE',
    category: 'server',
    statusCode,
    espName,
    deliveryUnknown: true,
  });
}

interface Target {
  url: URL;
  href: string;
  origin: string;
  pathAndQuery: string;
}

/** HTTP for every ESP: one keep-alive undici Pool per origin, or a user-given fetch. */
export class HttpTransport {
  readonly #pools = new Map<string, Pool>();
  constructor(readonly options: HttpTransportOptions) {}

  /** Resolved request targets per base URL object and path (URL getters are slow on a hot loop). */
  readonly #targets = new Map<URL, Map<string, Target>>();

  send(baseUrl: URL, request: EspRequest): Promise<EspResponse> {
    let byPath = this.#targets.get(baseUrl);
    if (!byPath) {
      byPath = new Map();
      if (this.#targets.size < 16) this.#targets.set(baseUrl, byPath);
    }
    let target = byPath.get(request.path);
    if (!target) {
      const url = new URL(request.path, baseUrl);
      target = { url, href: url.href, origin: url.origin, pathAndQuery: url.pathname + url.search };
      if (byPath.size < 256) byPath.set(request.path, target);
    }
    if (this.options.fetch) return this.#viaFetch(target.url, request);
    // Once per origin: in test mode, never open a pool to a public host (msw cannot see it).
    if (!this.#pools.has(target.origin)) assertTestNetworkAllows(target.url, this.options.espName);
    return this.#viaPool(target, request);
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      const { timeoutMs, connectTimeoutMs, connections } = this.options;
      pool = new Pool(origin, {
        connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout: connectTimeoutMs ?? Math.min(timeoutMs, 10_000) },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /**
   * One request through the pool, read with a dispatch handler: the body's chunks are collected
   * as they arrive, without a Readable stream per response (a large part of the CPU per send).
   */
  #viaPool(target: Target, request: EspRequest): Promise<EspResponse> {
    const { espName, maxResponseBytes } = this.options;
    return new Promise<EspResponse>((resolve, reject) => {
      let statusCode = 0;
      let headers: Record<string, string> = {};
      let chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const handler: Dispatcher.DispatchHandler = {
        // Its presence tells undici this handler uses the controller API (not the deprecated callbacks).
        onRequestStart() {},
        onResponseStart(controller, code, responseHeaders) {
          statusCode = code;
          chunks = [];
          size = 0;
          if (Number(responseHeaders['content-length']) > maxResponseBytes) {
            controller.abort(tooLarge(espName, code, maxResponseBytes));
            return;
          }
          headers = {};
          for (const name in responseHeaders) {
            const value = responseHeaders[name];
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
        },
        onResponseData(controller, chunk) {
          size += chunk.length;
          if (size > maxResponseBytes) {
            controller.abort(tooLarge(espName, statusCode, maxResponseBytes));
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd() {
          if (settled) return;
          settled = true;
          const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
          resolve(new ReadResponse(statusCode, headers, body, target.href, espName));
        },
        onResponseError(_controller, error) {
          if (settled) return;
          settled = true;
          reject(transportError(error, espName, target.href, statusCode));
        },
      };
      try {
        this.#pool(target.origin).dispatch(
          { origin: target.origin, path: target.pathAndQuery, method: request.method, headers: request.headers, body: request.body },
          handler,
        );
      } catch (error) {
        settled = true;
        reject(transportError(error, espName, target.href, 0));
      }
    });
  }

  async #viaFetch(url: URL, request: EspRequest): Promise<EspResponse> {
    const { espName, maxResponseBytes, timeoutMs } = this.options;
    let response: Response;
    try {
      response = await this.options.fetch!(url.href, {
        method: request.method,
        headers: request.headers,
        body: request.body as RequestInit['body'],
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw networkError(error, espName, url.href);
    }
    let body: Uint8Array;
    try {
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      const mapped = networkError(error, espName, url.href);
      throw new AnymailAPIError(mapped.message, { ...mapped, statusCode: response.status, deliveryUnknown: true, cause: error });
    }
    if (body.byteLength > maxResponseBytes) throw tooLarge(espName, response.status, maxResponseBytes);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    return new ReadResponse(response.status, headers, body, url.href, espName);
  }
}
