import { createHash } from 'node:crypto';
import { AnymailConfigurationError, AnymailWebhookValidationFailure } from '../errors.js';
import { loadSetting } from '../settings.js';
import { MemoryReplayCache, type ReplayCache } from './replay-cache.js';
import type { WebhookRequest } from './webhook-request.js';

/** Options of every signed webhook (Mailgun, SendGrid, SES): the window, the clock and the replay cache. */
export interface SignedWebhookOptions {
  /** Refuse requests signed longer ago (or further ahead) than this. Default per ESP. */
  timestampToleranceSeconds?: number;
  /**
   * Where claimed request keys are remembered (in progress, then done) until their window closes,
   * so each request is processed once however often the ESP redelivers it. Share one store
   * (`@anymail/core/replay-cache/postgres` or `/redis`) between every process that receives the
   * same webhook. @default a MemoryReplayCache per webhook
   */
  replayCache?: ReplayCache;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

export interface SignedWebhookConfig<Key> extends SignedWebhookOptions {
  espName: string;
  /** Lower-case settings key; prefixes claim keys so ESPs sharing a store never collide. */
  esp: string;
  /** Verification keys, already imported. Several: any one verifies (key rotation, subaccounts). */
  keys: readonly Key[];
  /** The ESP's window when `timestampToleranceSeconds` is not given. */
  defaultToleranceSeconds: number;
  /** How far ahead of our clock a timestamp may be (clock skew). @default the tolerance */
  maxFutureSeconds?: number;
}

/** One request's signature facts, for {@link SignedWebhook.verify}. */
export interface SignedRequestCheck<Key> {
  /** Whether the signature verifies under `key`. A throw counts as "no". */
  signatureValid: (key: Key) => boolean;
  /** When the ESP signed the request, ms since epoch (NaN when missing or unreadable). */
  timestampMs: number;
  /**
   * What makes this authentic request unique: a signed nonce, or a hash of what was signed —
   * never the signature's spelling (base64 and ECDSA signatures have several valid spellings).
   */
  claimKey: string;
  /** The 400 message when no key verifies (name the setting to check). */
  invalidMessage: string;
}

/**
 * Keys with rotation, a tolerance window, a clock and a replay cache, written once for every
 * signed webhook. Checks run in order signature → window → claim, so a forged request never
 * touches the replay cache and a stale one never fills it.
 */
export class SignedWebhook<Key> {
  readonly espName: string;
  readonly esp: string;
  readonly keys: readonly Key[];
  readonly toleranceMs: number;
  readonly maxFutureMs: number;
  readonly now: () => number;
  readonly replayCache: ReplayCache;

  constructor(config: SignedWebhookConfig<Key>) {
    this.espName = config.espName;
    this.esp = config.esp;
    this.keys = config.keys;
    const tolerance = config.timestampToleranceSeconds ?? config.defaultToleranceSeconds;
    if (!Number.isFinite(tolerance) || tolerance <= 0) {
      throw new AnymailConfigurationError(`${config.espName} timestampToleranceSeconds must be a positive number of seconds`, {
        espName: config.espName,
      });
    }
    this.toleranceMs = tolerance * 1000;
    this.maxFutureMs = (config.maxFutureSeconds ?? tolerance) * 1000;
    this.now = config.now ?? Date.now;
    this.replayCache = config.replayCache ?? new MemoryReplayCache({ now: this.now });
  }

  /**
   * Signature under any key, then the window, then the replay claim. Throws 400 on any failure;
   * a redelivery throws AnymailWebhookDuplicate (processed: 200) or AnymailWebhookBusy (in progress: 503).
   */
  async verify(request: WebhookRequest, check: SignedRequestCheck<Key>): Promise<void> {
    if (!this.anyKeyVerifies(check.signatureValid)) throw this.failure(check.invalidMessage);
    this.assertFresh(check.timestampMs);
    await this.claim(request, check.claimKey, check.timestampMs);
  }

  /** Every key is tried (no early exit), so the time taken doesn't tell which key matched. */
  anyKeyVerifies(signatureValid: (key: Key) => boolean): boolean {
    let valid = false;
    for (const key of this.keys) {
      let ok = false;
      try {
        ok = signatureValid(key);
      } catch {
        ok = false;
      }
      valid = ok || valid;
    }
    return valid;
  }

  /** Refuse a timestamp outside [now - tolerance, now + maxFuture]. */
  assertFresh(timestampMs: number): void {
    const now = this.now();
    if (!Number.isFinite(timestampMs) || now - timestampMs > this.toleranceMs || timestampMs - now > this.maxFutureMs) {
      throw this.failure(`${this.espName} webhook timestamp is outside the allowed window`);
    }
  }

  /**
   * Claim `<esp>:<claimKey>` until the request's window closes. A second claim is a redelivery (or
   * a replay): acknowledged with 200 and nothing delivered when the first was processed, 503 while
   * it is still being processed. See {@link WebhookRequest.claim}.
   */
  claim(request: WebhookRequest, claimKey: string, timestampMs: number): Promise<void> {
    return request.claim(this.replayCache, `${this.esp}:${claimKey}`, timestampMs + this.toleranceMs);
  }

  failure(message: string): AnymailWebhookValidationFailure {
    return new AnymailWebhookValidationFailure(message, { statusCode: 400, espName: this.espName });
  }
}

/** SHA-256 (hex) over the parts, each length-prefixed so two different splits never collide. */
export function claimDigest(...parts: readonly (Uint8Array | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    hash.update(`${bytes.byteLength}:`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/**
 * Read a list of verification keys: the option (one or a list), `configure()`, or the environment
 * (comma-separated). Empty entries are dropped; none at all is a configuration error naming `hint`.
 */
export function loadWebhookKeys(options: {
  esp: string;
  espName: string;
  name: string;
  value: string | readonly string[] | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  extraEnv?: readonly string[];
  required: boolean;
  hint: string;
}): string[] {
  const setting = loadSetting<string | readonly string[] | undefined>({
    esp: options.esp,
    name: options.name,
    value: options.value,
    ...(options.required ? {} : { default: undefined }),
    fromEnv: (raw) => raw.split(','),
    ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const keys = (setting === undefined ? [] : typeof setting === 'string' ? [setting] : [...setting])
    .map((key) => key.trim())
    .filter((key) => key !== '');
  if (options.required && keys.length === 0) {
    throw new AnymailConfigurationError(`${options.espName} ${options.name} is empty: ${options.hint}`, { espName: options.espName });
  }
  return keys;
}
