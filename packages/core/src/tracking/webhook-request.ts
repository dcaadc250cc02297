import { AnymailConfigurationError, AnymailWebhookBusy, AnymailWebhookDuplicate, AnymailWebhookValidationFailure } from '../errors.js';
import type { ReplayCache, ReplayClaim } from './replay-cache.js';

/** Retry-After (ms) suggested to an ESP whose redelivery arrived while the first delivery is still processed. */
const IN_PROGRESS_RETRY_AFTER_MS = 30_000;

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
  /**
   * Nonces claimed during verification, in progress until processing ends: completed when every
   * receiver ran, released if processing fails (so the ESP's retry is accepted).
   */
  readonly claims: { cache: ReplayCache; key: string; expiresAt: number }[] = [];
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

  /**
   * Claim a nonce until `expiresAt`. A redelivery of a request already processed throws
   * AnymailWebhookDuplicate (answered 200, nothing delivered again); one whose first delivery is
   * still being processed throws AnymailWebhookBusy (503 with Retry-After, so the ESP retries).
   */
  async claim(cache: ReplayCache, key: string, expiresAt: number): Promise<void> {
    const outcome = claimOutcome(await cache.claim(key, expiresAt));
    if (outcome === 'claimed') {
      this.claims.push({ cache, key, expiresAt });
      return;
    }
    if (outcome === 'done') {
      throw new AnymailWebhookDuplicate('Webhook request was already processed; acknowledged, nothing delivered again');
    }
    throw new AnymailWebhookBusy('The same webhook request is still being processed; answering 503 so the ESP retries later', {
      retryAfterMs: IN_PROGRESS_RETRY_AFTER_MS,
    });
  }

  /** Mark every claim of this request done (processing succeeded: a redelivery is acknowledged, not delivered). */
  async completeClaims(): Promise<void> {
    for (const { cache, key, expiresAt } of this.claims.splice(0)) await cache.complete?.(key, expiresAt);
  }

  /** Forget every claim of this request (processing failed: the ESP's retry must be accepted). */
  async releaseClaims(): Promise<void> {
    for (const { cache, key } of this.claims.splice(0)) await cache.release(key);
  }
}

/** A 0.1 cache answers a boolean; `false` can't tell in progress from done, so it takes the safe side (retry later). */
function claimOutcome(answer: ReplayClaim | boolean): ReplayClaim {
  if (answer === true) return 'claimed';
  if (answer === false) return 'in-progress';
  if (answer === 'claimed' || answer === 'in-progress' || answer === 'done') return answer;
  throw new AnymailConfigurationError(
    `replayCache.claim() answered ${JSON.stringify(answer)}: a ReplayCache must answer 'claimed', 'in-progress' or 'done' (or, as in 0.1, true or false)`,
  );
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
