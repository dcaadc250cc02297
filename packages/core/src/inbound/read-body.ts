import type { IncomingMessage } from 'node:http';

/** Inbound mail is large (attachments, base64 twice in JSON posts): 50 MiB unless the option says otherwise. */
export const DEFAULT_INBOUND_MAX_BODY_BYTES = 50 * 1024 * 1024;

export type BodyRead = { kind: 'body'; body: Uint8Array } | { kind: 'too-large' } | { kind: 'aborted' };

function declaredTooLarge(length: string | null | undefined, maxBytes: number): boolean {
  const declared = Number(length);
  return length !== undefined && length !== null && length !== '' && Number.isFinite(declared) && declared > maxBytes;
}

/**
 * Read a node request body, stopping at `maxBytes` (nothing past the cap is kept). Never rejects:
 * a client that resets mid-body gives `aborted`.
 */
export function readNodeBody(req: IncomingMessage & { body?: unknown }, maxBytes: number): Promise<BodyRead> {
  const preParsed = req.body;
  if (preParsed instanceof Uint8Array) {
    return Promise.resolve(preParsed.byteLength > maxBytes ? { kind: 'too-large' } : { kind: 'body', body: preParsed });
  }
  if (typeof preParsed === 'string') {
    const body = new TextEncoder().encode(preParsed);
    return Promise.resolve(body.byteLength > maxBytes ? { kind: 'too-large' } : { kind: 'body', body });
  }
  if (req.method === 'HEAD' || req.method === 'GET') return Promise.resolve({ kind: 'body', body: new Uint8Array() });
  if (declaredTooLarge(req.headers['content-length'], maxBytes)) return Promise.resolve({ kind: 'too-large' });
  if (req.readableEnded) return Promise.resolve({ kind: 'body', body: new Uint8Array() });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyRead) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose);
      req.on('error', () => {}); // a late reset must not become an unhandled 'error'
      resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.byteLength;
      if (size > maxBytes) {
        req.pause();
        chunks.length = 0;
        finish({ kind: 'too-large' });
      } else chunks.push(buffer);
    };
    const onEnd = () => finish({ kind: 'body', body: new Uint8Array(Buffer.concat(chunks)) });
    const onAbort = () => finish({ kind: 'aborted' });
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onClose);
  });
}

/** Read a fetch Request body under the same cap. */
export async function readFetchBody(request: Request, maxBytes: number): Promise<BodyRead> {
  if (request.method !== 'POST' || request.body === null) return { kind: 'body', body: new Uint8Array() };
  if (declaredTooLarge(request.headers.get('content-length'), maxBytes)) {
    await request.body.cancel().catch(() => {});
    return { kind: 'too-large' };
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return { kind: 'too-large' };
      }
      chunks.push(value);
    }
  } catch {
    return { kind: 'aborted' };
  }
  return { kind: 'body', body: new Uint8Array(Buffer.concat(chunks)) };
}
