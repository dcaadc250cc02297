/**
 * What an ESP's `finish` (or `buildRequest`) returns: data only, nothing sent yet. `Context` types
 * the ESP-private data its response handler reads back (required when given).
 */
export type EspRequest<Context = unknown> = EspRequestFields & (unknown extends Context ? { context?: unknown } : { context: Context });

/** The fields of every EspRequest. */
export interface EspRequestFields {
  method: 'POST' | 'PUT' | 'GET' | 'DELETE' | 'PATCH';
  /** Path relative to the backend's `apiUrl` (e.g. 'email/batch'), or an absolute URL. */
  path: string;
  /** Request headers (Content-Type included). Auth headers are redacted in logs. */
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** A response as core read it (body fully read, capped at `maxResponseBytes`). */
export interface EspResponse {
  statusCode: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Uint8Array;
  url: string;
  /** Body decoded as UTF-8. */
  text(): string;
  /** Body parsed as JSON; throws AnymailAPIError (naming the ESP) when it is not JSON. */
  json(): unknown;
}
