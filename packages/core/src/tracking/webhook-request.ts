import { AnymailWebhookValidationFailure } from '../errors.js';
import type { ReplayCache } from './replay-cache.js';

/** What a webhook receives, independent of the HTTP framework. */
export interface WebhookInput {
  /** The exact request body. Keep the raw bytes: signatures (SendGrid) cover them. */
  body: Uint8Array | string;
  headers: Headers | Record<string, string | string[] | undefined>;
}

/** One request as the ESP verifiers see it: the body was read once, under the size cap. */
export class WebhookRequest {
  readonly headers: Headers;
  readonly rawBody: Uint8Array;
  /** Nonces claimed during verification; released if processing fails, so a retry is accepted. */
  readonly claims: { cache: ReplayCache; key: string }[] = [];
  #text: string | undefined;
  #json: { value: unknown } | undefined;

  constructor(input: { body: Uint8Array; headers: WebhookInput['headers'] }) {
    this.headers = toHeaders(input.headers);
    this.rawBody = input.body;
  }

  /** The body decoded as UTF-8 (decoded once). */
  get text(): string {
    this.#text ??= new TextDecoder().decode(this.rawBody);
    return this.#text;
  }

  /** The media type of Content-Type, lower-cased without parameters ('' when absent). */
  get mediaType(): string {
    return (this.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  }

  /** The body parsed as JSON (parsed once); malformed JSON is a validation failure (400). */
  json(): unknown {
    if (!this.#json) {
      try {
        this.#json = { value: JSON.parse(this.text) as unknown };
      } catch {
        throw new AnymailWebhookValidationFailure('Webhook body is not valid JSON', { statusCode: 400 });
      }
    }
    return this.#json.value;
  }

  /** Claim a nonce; a replay is refused with 400. Claims are released if processing fails. */
  async claim(cache: ReplayCache, key: string, expiresAt: number): Promise<void> {
    if (!(await cache.claim(key, expiresAt))) {
      throw new AnymailWebhookValidationFailure('Webhook request was already received (replay refused)', {
        statusCode: 400,
      });
    }
    this.claims.push({ cache, key });
  }

  /** Forget every claim of this request (processing failed: the ESP's retry must be accepted). */
  async releaseClaims(): Promise<void> {
    for (const { cache, key } of this.claims.splice(0)) await cache.release(key);
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
