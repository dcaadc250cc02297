import type { IncomingMessage, ServerResponse } from 'node:http';
import { AnymailConfigurationError, AnymailError, AnymailWebhookValidationFailure } from '../errors.js';
import {
  DEFAULT_MAX_WEBHOOK_BODY_BYTES,
  WebhookClientAborted,
  checkBodySize,
  checkDeclaredLength,
  readNodeStream,
  readWebBody,
} from './webhook-body.js';
import { basicAuthMatches, resolveWebhookSecrets, type WebhookSecret } from './webhook-auth.js';
import { WebhookRequest, type WebhookInput } from './webhook-request.js';

/** Options every webhook handler (tracking or inbound, any ESP) accepts. */
export interface WebhookHandlerOptions {
  /** Basic-auth credentials `'user:pass'` (or a list, to rotate); env `ANYMAIL_WEBHOOK_SECRET`. */
  webhookSecret?: WebhookSecret;
  /**
   * Largest request body read, in bytes. A bigger one is answered 413 as soon as its
   * Content-Length (or the bytes streamed so far) pass the cap; the rest is never read.
   * @default 4194304 (4 MiB)
   */
  maxBodyBytes?: number;
  /** Environment to read fallbacks from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** An HTTP answer, independent of the framework. */
export interface WebhookResponseInit {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/**
 * What an ESP gives the pipeline. The body is read once; `readEnvelope` parses it once; `verify`
 * and `toEvents` both get that one parsed envelope.
 */
export interface WebhookPipelineConfig<Envelope, Event> extends WebhookHandlerOptions {
  espName: string;
  /** Lower-case settings key, e.g. 'postmark'. */
  esp: string;
  /** Basic auth is the only check (Postmark), so credentials are required. */
  requireBasicAuth?: boolean;
  /**
   * Media types the ESP posts (Content-Type without parameters). Another one is answered 415;
   * a request without Content-Type is accepted.
   */
  contentTypes: readonly string[];
  /** Parse the body; throw AnymailWebhookValidationFailure (400) when it is malformed. */
  readEnvelope: (request: WebhookRequest) => Envelope | Promise<Envelope>;
  /** Throw AnymailWebhookValidationFailure (400/401) when the request is not authentic. */
  verify?: (envelope: Envelope, request: WebhookRequest) => void | Promise<void>;
  /** Turn the verified envelope into events. */
  toEvents: (envelope: Envelope, request: WebhookRequest) => Event[] | Promise<Event[]>;
  /**
   * Hand one event to the application; a throw answers 500 and releases the replay claims (the
   * ESP's retry is processed). When every event was delivered the claims are marked done, so a
   * redelivery of the request is answered 200 without delivering again.
   */
  deliver: (event: Event, handler: WebhookHandler<Event>) => unknown;
}

/** The handler shape shared by `trackingWebhook` and `inboundWebhook` in every ESP package. */
export interface WebhookHandler<Event> {
  readonly espName: string;
  /** Web-standard handler (Hono, Next.js route handlers, Bun, Deno, Workers). */
  fetch(request: Request): Promise<Response>;
  /**
   * node:http / Express / Fastify handler. Uses `req.body` when it is a Buffer or string, else
   * reads the stream under the cap. Always resolves (never rejects), even when the client aborts.
   */
  node(req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<void>;
  /**
   * Verify and parse, without HTTP and without delivering. Throws AnymailWebhookValidationFailure
   * (or AnymailWebhookBusy, 503, while the same request is being processed elsewhere). The request
   * counts as processed once this resolves: parsing it again resolves to no events.
   */
  parse(input: WebhookInput): Promise<Event[]>;
  /** Verify, parse and deliver; returns the HTTP answer to send. */
  handle(input: WebhookInput & { method?: string }): Promise<WebhookResponseInit>;
}

const ALLOW = 'POST, HEAD, OPTIONS';
const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="anymail"' };
const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

/**
 * Build a webhook handler. Answers: HEAD → 200 (ESP URL checks), OPTIONS → 204; bad basic auth
 * → 401; wrong Content-Type → 415; body over `maxBodyBytes` → 413; failed check → 400, nothing
 * delivered; busy → 503 with Retry-After; a receiver throws → 500 with the replay claims released,
 * so the ESP's retry is accepted. A redelivery (same signed id or nonce) of a request already
 * processed → 200, nothing delivered again; of one still being processed → 503 with Retry-After.
 */
export function createWebhookHandler<Envelope, Event>(config: WebhookPipelineConfig<Envelope, Event>): WebhookHandler<Event> {
  const secrets = resolveWebhookSecrets(config.esp, config.webhookSecret, config.env);
  if (config.requireBasicAuth && secrets.length === 0) {
    throw new AnymailConfigurationError(
      `${config.espName} webhooks are authenticated only by basic auth: set webhookSecret ('user:pass'), ` +
        `or the environment variable ANYMAIL_WEBHOOK_SECRET, and put the same credentials in the webhook URL.`,
      { espName: config.espName },
    );
  }
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new AnymailConfigurationError(`maxBodyBytes must be a positive whole number of bytes (got ${String(maxBodyBytes)})`, {
      espName: config.espName,
    });
  }
  const contentTypes = new Set(config.contentTypes.map((type) => type.toLowerCase()));

  /** The answer decided from the method and headers alone, before any body byte is read. */
  function precheck(method: string, headers: Headers): WebhookResponseInit | undefined {
    if (method === 'HEAD') return { status: 200, body: '' };
    if (method === 'OPTIONS') return { status: 204, body: '', headers: { Allow: ALLOW } };
    if (method !== 'POST') return { status: 405, body: 'Method not allowed', headers: { Allow: ALLOW } };
    if (secrets.length > 0 && !basicAuthMatches(headers.get('authorization'), secrets)) {
      return { status: 401, body: `Missing or invalid basic auth in ${config.espName} webhook`, headers: BASIC_CHALLENGE };
    }
    const mediaType = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== '' && !contentTypes.has(mediaType)) {
      return { status: 415, body: `${config.espName} webhooks post ${[...contentTypes].join(' or ')}, not ${mediaType}` };
    }
    try {
      checkDeclaredLength(headers.get('content-length'), maxBodyBytes);
    } catch (error) {
      return failureAnswer(error);
    }
    return undefined;
  }

  async function verifyAndParse(request: WebhookRequest): Promise<Event[]> {
    const envelope = await config.readEnvelope(request);
    await config.verify?.(envelope, request);
    return config.toEvents(envelope, request);
  }

  async function run(request: WebhookRequest): Promise<WebhookResponseInit> {
    let events: Event[];
    try {
      events = await verifyAndParse(request);
    } catch (error) {
      await request.releaseClaims();
      return failureAnswer(error);
    }
    try {
      for (const event of events) await config.deliver(event, handler);
    } catch {
      await request.releaseClaims();
      return { status: 500, body: `A ${config.espName} webhook receiver failed; please retry` };
    }
    await completeClaims(request);
    return { status: 200, body: 'OK' };
  }

  const handler: WebhookHandler<Event> = {
    espName: config.espName,

    async parse(input) {
      const request = new WebhookRequest({ body: checkBodySize(input.body, maxBodyBytes), headers: input.headers });
      if (secrets.length > 0 && !basicAuthMatches(request.headers.get('authorization'), secrets)) {
        throw new AnymailWebhookValidationFailure(`Missing or invalid basic auth in ${config.espName} webhook`, {
          statusCode: 401,
          espName: config.espName,
        });
      }
      let events: Event[];
      try {
        events = await verifyAndParse(request);
      } catch (error) {
        await request.releaseClaims();
        if (AnymailError.isInstance(error) && error.code === 'ANYMAIL_WEBHOOK_DUPLICATE') return [];
        throw error;
      }
      await completeClaims(request);
      return events;
    },

    async handle(input) {
      const headers = new WebhookRequest({ body: new Uint8Array(), headers: input.headers }).headers;
      const early = precheck((input.method ?? 'POST').toUpperCase(), headers);
      if (early) return early;
      let body: Uint8Array;
      try {
        body = checkBodySize(input.body, maxBodyBytes);
      } catch (error) {
        return failureAnswer(error);
      }
      return run(new WebhookRequest({ body, headers }));
    },

    async fetch(request) {
      const method = request.method.toUpperCase();
      let answer = precheck(method, request.headers);
      if (!answer) {
        try {
          answer = await run(new WebhookRequest({ body: await readWebBody(request, maxBodyBytes), headers: request.headers }));
        } catch (error) {
          answer = failureAnswer(error);
        }
      } else if (request.body && !request.bodyUsed) {
        await request.body.cancel().catch(() => undefined);
      }
      return new Response(method === 'HEAD' || answer.status === 204 ? null : answer.body, {
        status: answer.status,
        headers: { ...TEXT, ...answer.headers },
      });
    },

    async node(req, res) {
      try {
        const method = (req.method ?? 'POST').toUpperCase();
        const headers = new WebhookRequest({ body: new Uint8Array(), headers: req.headers }).headers;
        const early = precheck(method, headers);
        if (early) return sendNode(req, res, early, method, true);
        let body: Uint8Array;
        try {
          body = await nodeBody(req, maxBodyBytes);
        } catch (error) {
          if (error instanceof WebhookClientAborted) return void res.destroy();
          return sendNode(req, res, failureAnswer(error), method, true);
        }
        sendNode(req, res, await run(new WebhookRequest({ body, headers })), method, false);
      } catch {
        // Never reject: `void webhook.node(req, res)` is how Express apps mount a handler.
        if (!res.headersSent && !res.destroyed) sendNode(req, res, { status: 500, body: 'Webhook processing failed' }, 'POST', true);
        else res.destroy();
      }
    },
  };
  return handler;
}

/**
 * Processing succeeded, so the answer is 200 whatever happens here. Should the store fail to mark
 * the claims done, they stay in progress until their window closes: a redelivery then gets 503
 * (retry later), never a second delivery.
 */
async function completeClaims(request: WebhookRequest): Promise<void> {
  try {
    await request.completeClaims();
  } catch {
    // See above: nothing is lost and nothing is delivered twice.
  }
}

/**
 * The answer to a failed check: its status for validation failures and busy errors, 200 for a
 * redelivery of a processed request, else a bare 500.
 */
function failureAnswer(error: unknown): WebhookResponseInit {
  if (AnymailError.isInstance(error)) {
    if (error.code === 'ANYMAIL_WEBHOOK_VALIDATION_FAILURE') {
      const status = error.statusCode ?? 400;
      return { status, body: error.message, ...(status === 401 ? { headers: BASIC_CHALLENGE } : {}) };
    }
    if (error.code === 'ANYMAIL_WEBHOOK_DUPLICATE') return { status: 200, body: error.message };
    if (error.code === 'ANYMAIL_WEBHOOK_BUSY') {
      return { status: 503, body: error.message, headers: { 'Retry-After': String(Math.ceil((error.retryAfterMs ?? 60_000) / 1000)) } };
    }
  }
  return { status: 500, body: 'Webhook processing failed' };
}

async function nodeBody(req: IncomingMessage & { body?: unknown }, maxBytes: number): Promise<Uint8Array> {
  const preRead = req.body;
  if (preRead instanceof Uint8Array || typeof preRead === 'string') return checkBodySize(preRead, maxBytes);
  if (preRead !== undefined && preRead !== null && req.readableEnded) {
    // A JSON body parser already consumed the stream: re-serialize (signatures over raw bytes will fail).
    return checkBodySize(JSON.stringify(preRead), maxBytes);
  }
  if (req.readableEnded) return new Uint8Array();
  return readNodeStream(req, maxBytes);
}

/**
 * Write the answer. When the body was not read to its end (an early answer, or over the cap),
 * the connection is closed after the answer so the client's remaining bytes are never read.
 */
function sendNode(req: IncomingMessage, res: ServerResponse, answer: WebhookResponseInit, method: string, unread: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const closing = unread && !req.readableEnded && !req.complete;
  res.writeHead(answer.status, { ...TEXT, ...answer.headers, ...(closing ? { Connection: 'close' } : {}) });
  res.end(method === 'HEAD' || answer.status === 204 ? undefined : answer.body);
}
