import type { IncomingMessage } from 'node:http';
import { AnymailWebhookValidationFailure } from '../errors.js';

/** Largest webhook body read by default (bytes): well above any tracking batch, far below what exhausts memory. */
export const DEFAULT_MAX_WEBHOOK_BODY_BYTES = 4 * 1024 * 1024;

/** Thrown when a body is over `maxBodyBytes`: answered 413 and the rest is never read. */
export function bodyTooLarge(maxBytes: number): AnymailWebhookValidationFailure {
  return new AnymailWebhookValidationFailure(
    `Webhook body is larger than maxBodyBytes (${maxBytes} bytes); raise maxBodyBytes if your ESP really sends this much`,
    { statusCode: 413 },
  );
}

/** The client went away before the whole body arrived: there is nobody to answer. */
export class WebhookClientAborted extends Error {
  constructor(cause?: unknown) {
    super('The webhook client closed the connection before the body was complete', { cause });
    this.name = 'WebhookClientAborted';
  }
}

/** Refuse up front when the declared Content-Length is over the cap (no byte of the body read). */
export function checkDeclaredLength(contentLength: string | null | undefined, maxBytes: number): void {
  if (contentLength === null || contentLength === undefined || !/^\s*\d+\s*$/.test(contentLength)) return;
  if (Number(contentLength) > maxBytes) throw bodyTooLarge(maxBytes);
}

/** Check the size of a body the caller already holds. */
export function checkBodySize(body: Uint8Array | string, maxBytes: number): Uint8Array {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  if (bytes.byteLength > maxBytes) throw bodyTooLarge(maxBytes);
  return bytes;
}

/**
 * Read a web-standard body, counting bytes as they stream and cancelling the stream as soon as
 * the count passes `maxBytes` (so a huge body is never held in memory).
 */
export async function readWebBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  checkDeclaredLength(request.headers.get('content-length'), maxBytes);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

/**
 * Read a node:http request body under the cap. Over the cap: stop reading (the stream is paused,
 * the caller answers 413 and closes the connection). Client gone mid-body: WebhookClientAborted.
 * Never leaves an 'error' event unhandled.
 */
export function readNodeStream(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('close', onClose);
      // Keep a listener: a late 'error' (the client resets after we answered) must not crash the process.
      req.on('error', () => undefined);
      req.off('error', onError);
      if (error) reject(error);
      else resolve(concat(chunks, size));
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.byteLength;
      if (size > maxBytes) {
        req.pause();
        chunks.length = 0;
        settle(bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => settle(undefined);
    const onAborted = () => settle(new WebhookClientAborted());
    const onError = (error: Error) => settle(new WebhookClientAborted(error));
    const onClose = () => settle(req.complete ? undefined : new WebhookClientAborted());
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const result = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return result;
}
