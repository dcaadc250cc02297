import type { IncomingMessage, ServerResponse } from 'node:http';
import { AnymailConfigurationError, AnymailError, AnymailWebhookValidationFailure } from '../errors.js';
import { inbound } from '../signals.js';
import { basicAuthMatches, resolveWebhookSecrets, type WebhookSecret } from '../tracking/webhook-auth.js';
import { WebhookRequest, type WebhookInput, type WebhookResponseInit } from '../tracking/webhook-handler.js';
import type { AnymailInboundEvent } from './inbound-event.js';
import { DEFAULT_INBOUND_MAX_BODY_BYTES, readFetchBody, readNodeBody, type BodyRead } from './read-body.js';

/** Options every ESP's `inboundWebhook(options)` takes. */
export interface InboundWebhookOptions {
  /** Called once per received message, after the `inbound` signal. Throwing answers 500 (the ESP retries). */
  onEvent?: (event: AnymailInboundEvent) => unknown;
  /** Basic-auth credentials `'user:pass'` (or a list, for rotation); env `ANYMAIL_WEBHOOK_SECRET`. */
  webhookSecret?: WebhookSecret;
  /** Environment to read fallbacks from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Largest request body read; a bigger one is answered 413 without reading the rest.
   * @default 52428800 (50 MiB: a 25 MB attachment, base64-encoded, with room to spare)
   */
  maxBodyBytes?: number;
}

/** The options an ESP's `inboundWebhook` hands on to `createInboundWebhook` unchanged. */
export function sharedInboundOptions(options: InboundWebhookOptions): InboundWebhookOptions {
  return { onEvent: options.onEvent, webhookSecret: options.webhookSecret, env: options.env, maxBodyBytes: options.maxBodyBytes };
}

export interface InboundWebhookConfig extends InboundWebhookOptions {
  espName: string;
  /** Lower-case settings key, e.g. 'postmark'. */
  esp: string;
  /** Where basic auth is the only check (Postmark, SendGrid), credentials are required. */
  requireBasicAuth?: boolean;
  /** Throw AnymailWebhookValidationFailure (statusCode 400/401) when the request is not authentic. */
  verify?: (request: WebhookRequest) => Promise<void> | void;
  /** Turn a verified request into inbound events (usually one). */
  parseEvents: (request: WebhookRequest) => Promise<AnymailInboundEvent[]>;
}

/** The handler every ESP package returns from `inboundWebhook(options)`; the same shape as `TrackingWebhook`. */
export interface InboundWebhook {
  readonly espName: string;
  /** Web-standard handler (Hono, Next.js route handlers, Bun, Deno, Workers). */
  fetch(request: Request): Promise<Response>;
  /** node:http / Express / Fastify handler (raw body: mount before any body parser). Never rejects. */
  node(req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<void>;
  /** Verify and parse, without HTTP and without firing signals. */
  parse(input: WebhookInput): Promise<AnymailInboundEvent[]>;
  /** Verify, parse and fire; returns the HTTP answer to send. */
  handle(input: WebhookInput & { method?: string }): Promise<WebhookResponseInit>;
}

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="anymail"' };
const TOO_LARGE: WebhookResponseInit = {
  status: 413,
  body: 'Inbound message is larger than maxBodyBytes',
  headers: { Connection: 'close' },
};

/**
 * Build an inbound webhook from an ESP's `verify` and `parseEvents`: HEAD → 200; a body over
 * `maxBodyBytes` → 413; failed check or misrouted payload → 400/401, nothing fired; a receiver
 * that throws → 500 (replay claims released, so the ESP's retry is accepted).
 */
export function createInboundWebhook(config: InboundWebhookConfig): InboundWebhook {
  const secrets = resolveWebhookSecrets(config.esp, config.webhookSecret, config.env);
  if (config.requireBasicAuth && secrets.length === 0) {
    throw new AnymailConfigurationError(
      `${config.espName} inbound webhooks are authenticated only by basic auth: set webhookSecret ('user:pass') ` +
        `or ANYMAIL_WEBHOOK_SECRET, and put the same credentials in the inbound URL you give ${config.espName}.`,
      { espName: config.espName },
    );
  }
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_INBOUND_MAX_BODY_BYTES;
  if (!(maxBodyBytes > 0)) {
    throw new AnymailConfigurationError(`maxBodyBytes must be a positive number of bytes (got ${maxBodyBytes})`, {
      espName: config.espName,
    });
  }

  async function verifyAndParse(request: WebhookRequest): Promise<AnymailInboundEvent[]> {
    if (secrets.length > 0 && !basicAuthMatches(request.headers.get('authorization'), secrets)) {
      throw new AnymailWebhookValidationFailure(`Missing or invalid basic auth in ${config.espName} inbound webhook`, {
        statusCode: 401,
        espName: config.espName,
      });
    }
    await config.verify?.(request);
    return config.parseEvents(request);
  }

  async function answerFor(read: BodyRead, method: string, headers: WebhookInput['headers']): Promise<WebhookResponseInit | undefined> {
    if (read.kind === 'too-large') return TOO_LARGE;
    if (read.kind === 'aborted') return undefined;
    return webhook.handle({ method, body: read.body, headers });
  }

  const webhook: InboundWebhook = {
    espName: config.espName,

    async parse(input) {
      return verifyAndParse(new WebhookRequest(input));
    },

    async handle(input) {
      const method = (input.method ?? 'POST').toUpperCase();
      if (method === 'HEAD') return { status: 200, body: '' };
      if (method !== 'POST') return { status: 405, body: 'Method not allowed', headers: { Allow: 'POST, HEAD' } };
      const size = typeof input.body === 'string' ? Buffer.byteLength(input.body) : input.body.byteLength;
      if (size > maxBodyBytes) return TOO_LARGE;
      const request = new WebhookRequest(input);
      let events: AnymailInboundEvent[];
      try {
        events = await verifyAndParse(request);
      } catch (error) {
        await releaseClaims(request);
        if (AnymailError.isInstance(error) && error.code === 'ANYMAIL_WEBHOOK_VALIDATION_FAILURE') {
          const status = error.statusCode ?? 400;
          return { status, body: error.message, ...(status === 401 ? { headers: BASIC_CHALLENGE } : {}) };
        }
        return { status: 500, body: 'Inbound webhook processing failed; please retry' };
      }
      try {
        for (const event of events) {
          await inbound.send(webhook, { event, espName: config.espName });
          await config.onEvent?.(event);
        }
      } catch {
        await releaseClaims(request);
        return { status: 500, body: 'An inbound receiver failed; please retry' };
      }
      return { status: 200, body: 'OK' };
    },

    async fetch(request) {
      let answer: WebhookResponseInit;
      try {
        const read = await readFetchBody(request, maxBodyBytes);
        answer = (await answerFor(read, request.method, request.headers)) ?? { status: 400, body: 'Request body was cut short' };
      } catch {
        answer = { status: 500, body: 'Inbound webhook processing failed; please retry' };
      }
      return new Response(request.method === 'HEAD' ? null : answer.body, {
        status: answer.status,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', ...answer.headers },
      });
    },

    async node(req, res) {
      try {
        const read = await readNodeBody(req, maxBodyBytes);
        const answer = await answerFor(read, req.method ?? 'POST', req.headers);
        if (answer === undefined) {
          res.destroy(); // the client went away mid-body: nobody to answer
          return;
        }
        res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8', ...answer.headers });
        // Over the cap: answer, then drop the connection instead of reading the rest.
        res.end(req.method === 'HEAD' ? undefined : answer.body, () => {
          if (read.kind === 'too-large') req.destroy();
        });
      } catch {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        if (!res.writableEnded) res.end('Inbound webhook processing failed; please retry');
      }
    },
  };
  return webhook;
}

async function releaseClaims(request: WebhookRequest): Promise<void> {
  for (const { cache, key } of request.claims.splice(0)) await cache.release(key);
}
