/**
 * The node:http face of the admin: turn an IncomingMessage into a web Request, run the fetch
 * handler, write the Response back. Works under Express, Fastify (`reply.raw`), Next's
 * custom server and plain `http.createServer`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY = 1_000_000;

async function readBody(req: IncomingMessage & { body?: unknown }): Promise<Buffer | undefined> {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  // Mounted behind a body parser (express.urlencoded()), the stream is already read: use what it parsed.
  if (req.readableEnded && req.body !== null && typeof req.body === 'object') {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(req.body as Record<string, unknown>)) if (typeof value === 'string') form.append(key, value);
    return Buffer.from(form.toString());
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function handleNode(fetchHandler: (request: Request) => Promise<Response>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  // Express and others mount with a stripped url; originalUrl keeps the full path.
  const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const host = req.headers.host ?? '127.0.0.1';
  let body: Buffer | undefined;
  try {
    body = await readBody(req);
  } catch {
    res.writeHead(413, { 'content-type': 'text/plain' }).end('Request body too large.');
    return;
  }
  const request = new Request(new URL(path, `http://${host}`), { method: req.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) });
  const response = await fetchHandler(request);
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') out[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) out['set-cookie'] = cookies;
  res.writeHead(response.status, out);
  res.end(req.method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()));
}
