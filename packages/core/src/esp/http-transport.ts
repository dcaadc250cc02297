import { Pool, type Dispatcher } from 'undici';
import { AnymailAPIError } from '../errors.js';
import { deadlineError, DeadlineWheel } from './deadline.js';
import type { EspRequest, EspResponse } from './esp-request.js';
import { displayUrl } from './redact.js';
import { assertTestNetworkAllows } from './test-network-guard.js';
import { networkError, tooLarge, transportError } from './transport-errors.js';

export { networkError } from './transport-errors.js';

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  espName: string;
  /** Idle timeout: waiting for the response headers, then between body chunks. */
  timeoutMs: number;
  /** Connect timeout. */
  connectTimeoutMs: number;
  /** The whole request, from dispatch to the last body byte. */
  deadlineMs: number;
  /** Largest response body read; more is an error. */
  maxResponseBytes: number;
  /** Keep-alive connections per origin. */
  connections: number;
  /** Send through this Fetch API function instead of the undici pool. */
  fetch?: FetchFunction;
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

interface Target {
  url: URL;
  /** The URL as errors and responses show it: no userinfo, secret query values hidden. */
  display: string;
  origin: string;
  pathAndQuery: string;
}

/** The promise, or a rejection with the signal's reason once it aborts: a fetch may ignore its signal. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** HTTP for every ESP: one keep-alive undici Pool per origin, or a user-given fetch. */
export class HttpTransport {
  readonly #pools = new Map<string, Pool>();
  /** Every pool request's deadline, on one timer (not a setTimeout per request). */
  readonly #deadlines: DeadlineWheel;
  constructor(readonly options: HttpTransportOptions) {
    this.#deadlines = new DeadlineWheel(options.deadlineMs);
  }

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
      target = { url, display: displayUrl(url), origin: url.origin, pathAndQuery: url.pathname + url.search };
      if (byPath.size < 256) byPath.set(request.path, target);
    }
    if (this.options.fetch) return this.#viaFetch(target, request);
    // Once per origin: in test mode, never open a pool to a public host (msw cannot see it).
    if (!this.#pools.has(target.origin)) assertTestNetworkAllows(target.url, this.options.espName);
    return this.#viaPool(target, request);
  }

  /**
   * Lets requests in flight finish, but never waits longer than deadlineMs: by then each has
   * met its deadline, and the pools are destroyed whatever is left (a queued request fails).
   */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    if (pools.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.options.deadlineMs)));
    const closed = Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
    try {
      if ((await Promise.race([closed, gaveUp])) === 'late') {
        await Promise.all(pools.map((pool) => pool.destroy().catch(() => undefined)));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      const { timeoutMs, connectTimeoutMs, connections } = this.options;
      pool = new Pool(origin, {
        connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout: connectTimeoutMs },
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
    const { espName, maxResponseBytes, deadlineMs } = this.options;
    return new Promise<EspResponse>((resolve, reject) => {
      let statusCode = 0;
      let headers: Record<string, string> = {};
      let chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      // Set once undici starts writing the request on a connection; until then the ESP has nothing.
      let started: Dispatcher.DispatchController | undefined;
      // undici's timeouts are idle timeouts: a byte every few seconds resets them forever.
      const deadlines = this.#deadlines;
      const deadline = deadlines.start(() => {
        if (settled) return;
        settled = true;
        const error = deadlineError(espName, target.display, deadlineMs, started !== undefined, statusCode);
        started?.abort(error);
        reject(error);
      });
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(controller) {
          started = controller;
          // The deadline passed while the request waited in the pool's queue: don't send it at all.
          if (settled) controller.abort(new Error('deadline passed before the request was sent'));
        },
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
          deadlines.done(deadline);
          const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
          resolve(new ReadResponse(statusCode, headers, body, target.display, espName));
        },
        onResponseError(_controller, error) {
          if (settled) return;
          settled = true;
          deadlines.done(deadline);
          reject(transportError(error, espName, target.display, statusCode));
        },
      };
      try {
        this.#pool(target.origin).dispatch(
          { origin: target.origin, path: target.pathAndQuery, method: request.method, headers: request.headers, body: request.body },
          handler,
        );
      } catch (error) {
        settled = true;
        deadlines.done(deadline);
        reject(transportError(error, espName, target.display, 0));
      }
    });
  }

  /**
   * One request through the user's fetch. One AbortController carries both limits: timeoutMs
   * until the response headers, and deadlineMs for the whole request including the body.
   */
  async #viaFetch(target: Target, request: EspRequest): Promise<EspResponse> {
    const { espName, maxResponseBytes, timeoutMs, deadlineMs } = this.options;
    const abort = new AbortController();
    let statusCode = 0;
    let reason: AnymailAPIError | undefined;
    const stop = (error: AnymailAPIError) => {
      reason ??= error;
      abort.abort(error);
    };
    const idle = setTimeout(
      () => stop(networkError(Object.assign(new Error('headers timeout'), { name: 'TimeoutError' }), espName, target.display)),
      timeoutMs,
    );
    const deadline = setTimeout(() => stop(deadlineError(espName, target.display, deadlineMs, true, statusCode)), deadlineMs);
    try {
      let response: Response;
      try {
        response = await untilAborted(
          this.options.fetch!(target.url.href, {
            method: request.method,
            headers: request.headers,
            body: request.body as RequestInit['body'],
            signal: abort.signal,
          }),
          abort.signal,
        );
      } catch (error) {
        throw reason ?? networkError(error, espName, target.display);
      } finally {
        clearTimeout(idle);
      }
      statusCode = response.status;
      let body: Uint8Array;
      try {
        body = new Uint8Array(await untilAborted(response.arrayBuffer(), abort.signal));
      } catch (error) {
        if (reason) throw reason;
        const mapped = networkError(error, espName, target.display);
        throw new AnymailAPIError(mapped.message, { ...mapped, statusCode, deliveryUnknown: true, cause: error });
      }
      if (body.byteLength > maxResponseBytes) throw tooLarge(espName, statusCode, maxResponseBytes);
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name.toLowerCase()] = value;
      });
      return new ReadResponse(statusCode, headers, body, target.display, espName);
    } finally {
      clearTimeout(deadline);
    }
  }
}
