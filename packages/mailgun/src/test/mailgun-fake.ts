import { enableTestNetworkGuard } from '@anymail/core';
import type { FakeEspCall, FakeEspReply, FakeEspRoutes } from '@anymail/core/test';
import type { HttpHandler } from 'msw';

/** How the fake Mailgun behaves. */
export interface FakeMailgunOptions {
  /** Accept only this API key (others get 401 `"Forbidden"`, as Mailgun answers). Default: any key. */
  apiKey?: string;
  /** Accept only these sending domains (others get 404 `Domain not found`). Default: any domain. */
  domains?: readonly string[];
}

/** One message the fake Mailgun accepted. */
export interface FakeMailgunSend {
  domain: string;
  /** The Message-ID it answered, in angle brackets as Mailgun sends it (equal to the send status's messageId). */
  messageId: string;
  /** Form fields in order (repeated names stay repeated). */
  fields: Array<[string, string]>;
  files: Array<{ field: string; filename: string; contentType: string; content: Uint8Array }>;
  /** First value of a field. */
  get(name: string): string | undefined;
  /** Every value of a field. */
  getAll(name: string): string[];
}

export interface FakeMailgunReply {
  status: number;
  /** Sent as JSON, except a text/plain reply's string. */
  body: unknown;
  contentType?: 'application/json' | 'text/plain';
}

export interface FakeMailgun {
  /** Accepted messages, in order. */
  readonly sends: FakeMailgunSend[];
  /** Routes for `startFakeEsp` from `@anymail/core/test`: `/v3/{domain}/messages` or `/{domain}/messages`. */
  readonly routes: FakeEspRoutes;
  /**
   * msw handlers for api.mailgun.net and api.eu.mailgun.net. msw sees Fetch API traffic only,
   * so give the backend `fetch: (...args) => fetch(...args)` when you use them.
   */
  mswHandlers(): Promise<HttpHandler[]>;
  /** Answer one request: method, path, headers (lower-case names) and raw body. */
  handle(request: { method: string; path: string; headers: Record<string, string>; body: Uint8Array }): Promise<FakeMailgunReply>;
}

const MESSAGES_PATH = /^(?:\/v3)?\/([^/]+)\/messages$/;

function badRequest(message: string): FakeMailgunReply {
  return { status: 400, body: { message } };
}

/** A fake Mailgun send API that validates like Mailgun and records what it accepts. */
export function createFakeMailgun(options: FakeMailgunOptions = {}): FakeMailgun {
  enableTestNetworkGuard('createFakeMailgun() from @anymail/mailgun/test');
  const sends: FakeMailgunSend[] = [];
  let counter = 0;
  const expectedAuth = options.apiKey === undefined ? undefined : `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`;

  const handle: FakeMailgun['handle'] = async ({ method, path, headers, body }) => {
    const match = MESSAGES_PATH.exec(path);
    // What Mailgun's API host answers for a URL it has no route for.
    if (method !== 'POST' || !match) return { status: 404, body: 'Mailgun Magnificent API', contentType: 'text/plain' };
    if (!headers.authorization?.startsWith('Basic ') || (expectedAuth !== undefined && headers.authorization !== expectedAuth)) {
      return { status: 401, body: 'Forbidden' };
    }
    const domain = decodeURIComponent(match[1]!);
    if (options.domains && !options.domains.includes(domain)) return { status: 404, body: { message: 'Domain not found' } };
    let form: FormData;
    try {
      form = await new Response(body, { headers: { 'content-type': headers['content-type'] ?? '' } }).formData();
    } catch {
      return badRequest('Invalid request body: expected multipart/form-data or application/x-www-form-urlencoded');
    }
    const fields: FakeMailgunSend['fields'] = [];
    const files: FakeMailgunSend['files'] = [];
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields.push([name, value]);
      else files.push({ field: name, filename: value.name, contentType: value.type, content: new Uint8Array(await value.arrayBuffer()) });
    }
    const getAll = (name: string) => fields.filter(([key]) => key === name).map(([, value]) => value);
    // Wording from Mailgun's OpenAPI spec (400 examples).
    if (getAll('from').length === 0) return badRequest('from parameter is missing');
    if (getAll('to').length === 0) return badRequest('to parameter is missing');
    if (!['text', 'html', 'amp-html', 'template'].some((name) => getAll(name).length > 0)) {
      return badRequest("Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified");
    }
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const messageId = `<${stamp}.${++counter}.${Math.random().toString(16).slice(2, 8)}@${domain}>`;
    sends.push({ domain, messageId, fields, files, get: (name) => getAll(name)[0], getAll });
    return { status: 200, body: { id: messageId, message: 'Queued. Thank you.' } };
  };

  const route = async (call: FakeEspCall): Promise<FakeEspReply> => {
    const reply = await handle({ method: call.method, path: call.path, headers: call.headers, body: call.body });
    const text = reply.contentType === 'text/plain';
    return { status: reply.status, headers: { 'content-type': reply.contentType ?? 'application/json' }, body: text ? String(reply.body) : JSON.stringify(reply.body) };
  };

  return {
    sends,
    routes: { '*': route },
    handle,
    async mswHandlers() {
      const { http, HttpResponse } = await import('msw');
      const url = /^https:\/\/api(\.eu)?\.mailgun\.net\/v3\/[^/]+\/messages$/;
      return [
        http.post(url, async ({ request }) => {
          const headers: Record<string, string> = {};
          request.headers.forEach((value, name) => (headers[name] = value));
          const reply = await handle({
            method: request.method,
            path: new URL(request.url).pathname,
            headers,
            body: new Uint8Array(await request.arrayBuffer()),
          });
          if (reply.contentType === 'text/plain') return HttpResponse.text(String(reply.body), { status: reply.status });
          return HttpResponse.json(reply.body as Record<string, unknown>, { status: reply.status });
        }),
      ];
    },
  };
}

/**
 * Routes for `startFakeEsp` from `@anymail/core/test` acting as Mailgun's send API (a fresh
 * `createFakeMailgun(options)`; use that to read what it accepted).
 */
export function mailgunFakeRoutes(options: FakeMailgunOptions = {}): FakeEspRoutes {
  return createFakeMailgun(options).routes;
}

/**
 * msw handlers acting as Mailgun's send API on api.mailgun.net and api.eu.mailgun.net (a fresh
 * `createFakeMailgun(options)`). Give the backend `fetch` (msw does not see undici Pool traffic).
 */
export function mailgunMswHandlers(options: FakeMailgunOptions = {}): Promise<HttpHandler[]> {
  return createFakeMailgun(options).mswHandlers();
}
