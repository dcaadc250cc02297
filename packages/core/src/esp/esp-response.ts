import type { z } from 'zod';
import { parseJsonLossless } from '../json-lossless.js';
import type { AnymailStatus } from '../status.js';
import type { ErrorDescription } from './base-esp-backend.js';
import type { EspRequest, EspResponse } from './esp-request.js';

/**
 * How a successful response becomes a status: a value, built from a schema (see `jsonResponse`).
 * Throw AnymailAPIError for an error hidden in a 2xx; any other exception makes the kit answer
 * the one "response Anymail could not read" error (ANYMAIL_BAD_RESPONSE, delivery unknown).
 */
export type ResponseHandler<Context, Settings> = (
  response: EspResponse,
  request: EspRequest<Context>,
  settings: Settings,
) => AnymailStatus;

/** How an error response is read (see `jsonErrors`). */
export interface ErrorHandler<Context = unknown, Settings = unknown> {
  /**
   * The ESP's message, category, code and retry delay for an error response, given the request it
   * answers (typed context) and the backend's settings; undefined to use the HTTP status alone.
   */
  describe(response: EspResponse, request: EspRequest<Context>, settings: Settings): ErrorDescription | undefined;
  /** A non-2xx answer that still reports per-recipient results (e.g. Postmark's 422 for inactive recipients). */
  accept?(response: EspResponse): boolean;
}

export interface JsonReadOptions {
  /** Keep integers beyond 2^53 exact, as strings (ids of Mailjet, SparkPost). @default false */
  largeIntegers?: 'string';
}

/** Thrown when a body does not match the ESP's schema; the kit turns it into ANYMAIL_BAD_RESPONSE. */
export class EspResponseShapeError extends Error {
  override name = 'EspResponseShapeError';
}

/** The body parsed as JSON (lossless when asked) and checked against `schema`; throws EspResponseShapeError. */
export function readJsonBody<S extends z.ZodType>(response: EspResponse, schema: S, options: JsonReadOptions = {}): z.output<S> {
  const body = options.largeIntegers === 'string' ? parseLossless(response) : response.json();
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new EspResponseShapeError(`unexpected body${issue ? ` at ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : ''}`);
}

function parseLossless(response: EspResponse): unknown {
  try {
    return parseJsonLossless(response.text());
  } catch {
    return response.json(); // the transport's own "not JSON" error
  }
}

/**
 * A response handler from a schema: the 2xx body is parsed as JSON, checked against `schema`, and
 * handed to `read` with the request (typed context) and the backend's settings.
 */
export function jsonResponse<S extends z.ZodType, Context, Settings>(
  schema: S,
  read: (body: z.output<S>, response: EspResponse, request: EspRequest<Context>, settings: Settings) => AnymailStatus,
  options: JsonReadOptions = {},
): ResponseHandler<Context, Settings> {
  return (response, request, settings) => read(readJsonBody(response, schema, options), response, request, settings);
}

/**
 * An error handler from a schema: the error body, when it parses and matches `schema`, goes to
 * `describe` (with the request and the settings); a body that does not (HTML from a proxy, plain
 * text, empty) goes to `fallback` when given, else the HTTP status alone describes it.
 */
export function jsonErrors<S extends z.ZodType, Context = unknown, Settings = unknown>(
  schema: S,
  describe: (body: z.output<S>, response: EspResponse, request: EspRequest<Context>, settings: Settings) => ErrorDescription | undefined,
  options: JsonReadOptions & {
    accept?: (body: z.output<S>, response: EspResponse) => boolean;
    /** A body that is not JSON or does not match `schema`. */
    fallback?: (response: EspResponse, request: EspRequest<Context>, settings: Settings) => ErrorDescription | undefined;
  } = {},
): ErrorHandler<Context, Settings> {
  const body = (response: EspResponse): { ok: true; value: z.output<S> } | { ok: false } => {
    try {
      return { ok: true, value: readJsonBody(response, schema, options) };
    } catch {
      return { ok: false };
    }
  };
  const { accept, fallback } = options;
  return {
    describe(response, request, settings) {
      const read = body(response);
      if (read.ok) return describe(read.value, response, request, settings);
      return fallback?.(response, request, settings);
    },
    accept: accept
      ? (response) => {
          const read = body(response);
          return read.ok && accept(read.value, response);
        }
      : undefined,
  };
}
