import type { IncomingMessage, ServerResponse } from 'node:http';
import { AnymailConfigurationError, AnymailError, AnymailWebhookValidationFailure } from '../errors.js';
import { tracking } from '../signals.js';
import type { AnymailTrackingEvent } from './tracking-event.js';
import { basicAuthMatches, resolveWebhookSecrets, type WebhookSecret } from './webhook-auth.js';
import type { ReplayCache } from './replay-cache.js';

/** What a webhook receives, independent of the HTTP framework. */
export interface WebhookInput {
  /** The exact request body. Keep the raw bytes: signatures (SendGrid) cover them. */
  body: Uint8Array | string;
  headers: Headers | Record<string, string | string[] | undefined>;
}

/** One request as the ESP verifiers see it. */
export class WebhookRequest {
  readonly headers: Headers;
  readonly rawBody: Uint8Array;
  /** Nonces claimed during verification; released if processing fails, so a retry is accepted. */
  readonly claims: { cache: ReplayCache; key: string }[] = [];

  constructor(input: WebhookInput) {
    this.headers = toHeaders(input.headers);
    this.rawBody = typeof input.body === 'string' ? new TextEncoder().encode(input.body) : input.body;
  }

  get text(): string {
    return new TextDecoder().decode(this.rawBody);
  }

  /** The body parsed as JSON; malformed JSON is a validation failure (400). */
  json(): unknown {
    try {
      return JSON.parse(this.text);
    } catch {
      throw new AnymailWebhookValidationFailure('Webhook body is not valid JSON', { statusCode: 400 });
    }
  }

  /** Claim a nonce; a replay is refused with 400. */
  async claim(cache: ReplayCache, key: string, expiresAt: number): Promise<void> {
    if (!(await cache.claim(key, expiresAt))) {
      throw new AnymailWebhookValidationFailure('Webhook request was already received (replay refused)', {
        statusCode: 400,
      });
    }
    this.claims.push({ cache, key });
  }
}

function toHeaders(headers: WebhookInput['headers']): Headers {
  if (headers instanceof Headers) return headers;
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) result.append(name, v);
  }
  return result;
}

/** A 4xx answer that is not a validation failure (e.g. 401 with a Basic challenge). */
export interface WebhookResponseInit {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface TrackingWebhookOptions {
  /** Called once per verified event, after the `tracking` signal. */
  onEvent?: (event: AnymailTrackingEvent) => unknown;
  /** Basic-auth credentials `'user:pass'` (or a list); env `ANYMAIL_WEBHOOK_SECRET`. */
  webhookSecret?: WebhookSecret;
  /** Environment to read fallbacks from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** The options every ESP's `trackingWebhook` hands on to `createTrackingWebhook` unchanged. */
export function sharedWebhookOptions(options: TrackingWebhookOptions): TrackingWebhookOptions {
  return { onEvent: options.onEvent, webhookSecret: options.webhookSecret, env: options.env };
}

export interface TrackingWebhookConfig extends TrackingWebhookOptions {
  espName: string;
  /** Lower-case settings key, e.g. 'postmark'. */
  esp: string;
  /** Postmark: basic auth is the only check, so credentials are required. */
  requireBasicAuth?: boolean;
  /** Throw AnymailWebhookValidationFailure (statusCode 400/401) when the request is not authentic. */
  verify?: (request: WebhookRequest) => Promise<void> | void;
  /** Turn a verified request into events. */
  parseEvents: (request: WebhookRequest) => Promise<AnymailTrackingEvent[]> | AnymailTrackingEvent[];
}

/** The handler every ESP package returns from `trackingWebhook(options)`. */
export interface TrackingWebhook {
  readonly espName: string;
  /** Web-standard handler (Hono, Next.js route handlers, Bun, Deno, Workers). */
  fetch(request: Request): Promise<Response>;
  /** node:http / Express / Fastify handler. Uses `req.body` when it is a Buffer or string, else reads the stream. */
  node(req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<void>;
  /** Verify and parse, without HTTP and without firing signals. */
  parse(input: WebhookInput): Promise<AnymailTrackingEvent[]>;
  /** Verify, parse and fire; returns the HTTP answer to send. */
  handle(input: WebhookInput & { method?: string }): Promise<WebhookResponseInit>;
}

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="anymail"' };

/**
 * Build a tracking webhook from an ESP's `verify` and `parseEvents`. Answers: HEAD → 200 (ESP URL
 * checks); failed check → 400/401, nothing fired; receiver throws → 500 so the ESP retries.
 */
export function createTrackingWebhook(config: TrackingWebhookConfig): TrackingWebhook {
  const secrets = resolveWebhookSecrets(config.esp, config.webhookSecret, config.env);
  if (config.requireBasicAuth && secrets.length === 0) {
    throw new AnymailConfigurationError(
      `${config.espName} webhooks are authenticated only by basic auth: set webhookSecret ('user:pass'), ` +
        `or the environment variable ANYMAIL_WEBHOOK_SECRET, and put the same credentials in the webhook URL.`,
      { espName: config.espName },
    );
  }

  async function verifyAndParse(request: WebhookRequest): Promise<AnymailTrackingEvent[]> {
    if (secrets.length > 0 && !basicAuthMatches(request.headers.get('authorization'), secrets)) {
      throw new AnymailWebhookValidationFailure(`Missing or invalid basic auth in ${config.espName} webhook`, {
        statusCode: 401,
        espName: config.espName,
      });
    }
    await config.verify?.(request);
    return config.parseEvents(request);
  }

  const webhook: TrackingWebhook = {
    espName: config.espName,

    async parse(input) {
      return verifyAndParse(new WebhookRequest(input));
    },

    async handle(input) {
      const method = (input.method ?? 'POST').toUpperCase();
      if (method === 'HEAD') return { status: 200, body: '' };
      if (method !== 'POST') return { status: 405, body: 'Method not allowed', headers: { Allow: 'POST, HEAD' } };
      const request = new WebhookRequest(input);
      let events: AnymailTrackingEvent[];
      try {
        events = await verifyAndParse(request);
      } catch (error) {
        await releaseClaims(request);
        if (AnymailError.isInstance(error) && error.code === 'ANYMAIL_WEBHOOK_VALIDATION_FAILURE') {
          const status = error.statusCode ?? 400;
          return { status, body: error.message, ...(status === 401 ? { headers: BASIC_CHALLENGE } : {}) };
        }
        return { status: 500, body: 'Webhook processing failed' };
      }
      try {
        for (const event of events) {
          await tracking.send(webhook, { event, espName: config.espName });
          await config.onEvent?.(event);
        }
      } catch {
        await releaseClaims(request);
        return { status: 500, body: 'A tracking receiver failed; please retry' };
      }
      return { status: 200, body: 'OK' };
    },

    async fetch(request) {
      const body = request.method === 'POST' ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array();
      const answer = await webhook.handle({ method: request.method, body, headers: request.headers });
      return new Response(request.method === 'HEAD' ? null : answer.body, {
        status: answer.status,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', ...answer.headers },
      });
    },

    async node(req, res) {
      const body = await readNodeBody(req);
      const answer = await webhook.handle({ method: req.method ?? 'POST', body, headers: nodeHeaders(req) });
      res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8', ...answer.headers });
      res.end(req.method === 'HEAD' ? undefined : answer.body);
    },
  };
  return webhook;
}

async function releaseClaims(request: WebhookRequest): Promise<void> {
  for (const { cache, key } of request.claims.splice(0)) await cache.release(key);
}

function nodeHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  return req.headers;
}

async function readNodeBody(req: IncomingMessage & { body?: unknown }): Promise<Uint8Array> {
  const preParsed = req.body;
  if (preParsed instanceof Uint8Array) return preParsed;
  if (typeof preParsed === 'string') return new TextEncoder().encode(preParsed);
  if (preParsed !== undefined && preParsed !== null && req.readableEnded) {
    // A JSON body parser already consumed the stream: re-serialize (signatures over raw bytes will fail).
    return new TextEncoder().encode(JSON.stringify(preParsed));
  }
  if (req.method === 'HEAD' || req.method === 'GET') return new Uint8Array();
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return new Uint8Array(Buffer.concat(chunks));
}
