import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the fake ESP received. */
export interface FakeEspCall {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path with the query string. */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  text(): string;
  json(): unknown;
  /** The body as a urlencoded form. */
  form(): URLSearchParams;
}

/**
 * A canned answer. `hang` never answers; `reset` drops the connection after reading the body;
 * `trickleMs` sends the status and headers, then one byte of body every `trickleMs` forever
 * (an ESP that never finishes, yet never goes idle long enough for an idle timeout).
 */
export interface FakeEspReply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: string | Uint8Array | object;
  hang?: boolean;
  reset?: boolean;
  trickleMs?: number;
}

export type FakeEspRoute = FakeEspReply | ((call: FakeEspCall) => FakeEspReply | Promise<FakeEspReply>);

/** Routes keyed 'METHOD /path', '/path' (any method) or '*' (anything else). */
export type FakeEspRoutes = Record<string, FakeEspRoute>;

export interface FakeEsp {
  /** Base URL, e.g. 'http://127.0.0.1:54321/' (ends with '/'). */
  readonly url: string;
  readonly port: number;
  readonly calls: FakeEspCall[];
  /** How many TCP connections the server accepted (keep-alive shows as few). */
  readonly connectionCount: number;
  setRoute(key: string, route: FakeEspRoute): void;
  close(): Promise<void>;
}

function makeCall(request: IncomingMessage, body: Buffer): FakeEspCall {
  const url = request.url ?? '/';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: request.method ?? 'GET',
    path: url.split('?')[0]!,
    url,
    headers,
    body,
    text: () => body.toString('utf8'),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
    form: () => new URLSearchParams(body.toString('utf8')),
  };
}

function findRoute(routes: FakeEspRoutes, call: FakeEspCall): FakeEspRoute | undefined {
  return routes[`${call.method} ${call.path}`] ?? routes[call.path] ?? routes['*'];
}

/**
 * A real node:http server on 127.0.0.1 (port 0) that answers with canned routes and records
 * every call: the fake ESP for backend tests.
 */
export async function startFakeEsp(initialRoutes: FakeEspRoutes = {}): Promise<FakeEsp> {
  const routes: FakeEspRoutes = { ...initialRoutes };
  const calls: FakeEspCall[] = [];
  const sockets = new Set<Socket>();
  let connectionCount = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const call = makeCall(request, Buffer.concat(chunks));
    calls.push(call);
    const route = findRoute(routes, call);
    if (!route) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `fake ESP has no route for ${call.method} ${call.path}` }));
      return;
    }
    const reply = typeof route === 'function' ? await route(call) : route;
    if (reply.hang) return;
    if (reply.reset) {
      request.socket.destroy();
      return;
    }
    if (reply.trickleMs !== undefined) {
      response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      response.write(' ');
      const timer = setInterval(() => response.write(' '), reply.trickleMs);
      response.on('close', () => clearInterval(timer));
      return;
    }
    const headers: Record<string, string> = { ...reply.headers };
    let body: string | Uint8Array = '';
    if (reply.body instanceof Uint8Array || typeof reply.body === 'string') body = reply.body;
    else if (reply.body !== undefined) {
      body = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json';
    }
    response.writeHead(reply.status ?? 200, headers);
    response.end(body);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`fake ESP route threw: ${String(error)}`);
    });
  });
  server.on('connection', (socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    calls,
    get connectionCount() {
      return connectionCount;
    },
    setRoute(key, route) {
      routes[key] = route;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening (connections are refused). */
export async function getClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
