import { X509Certificate, createVerify } from 'node:crypto';
import { AnymailAPIError } from '@anymail/core';

/** The SNS HTTP(S) envelope (the body SNS POSTs, as `text/plain`). */
export interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  SubscribeURL?: string;
  UnsubscribeURL?: string;
  Token?: string;
}

/** Fetches the PEM text of an SNS signing certificate. Injectable for tests and proxies. */
export type SnsCertificateFetcher = (url: string) => Promise<string>;

const SNS_HOST = /^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$/i;

/**
 * Whether `url` is `https://sns.<region>.amazonaws.com[.cn]/…`. With `pem`, the path must be an
 * SNS signing certificate (`/SimpleNotificationService-<hex>.pem`); with `region`, the host must
 * be that region's (a topic's certificate lives in the topic's region).
 */
export function isSnsUrl(url: string, { pem = false, region }: { pem?: boolean; region?: string | undefined } = {}): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.port !== '' || parsed.username || parsed.password) return false;
  if (!SNS_HOST.test(parsed.hostname)) return false;
  if (region !== undefined && parsed.hostname.toLowerCase().split('.')[1] !== region.toLowerCase()) return false;
  return !pem || /^\/SimpleNotificationService-[0-9a-f]+\.pem$/i.test(parsed.pathname);
}

const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const CONFIRMATION_FIELDS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;

/** The canonical "name\nvalue\n" string SNS signs (Subject only when present). */
export function snsStringToSign(envelope: SnsEnvelope): string {
  const fields = envelope.Type === 'Notification' ? NOTIFICATION_FIELDS : CONFIRMATION_FIELDS;
  let result = '';
  for (const name of fields) {
    const value = envelope[name];
    if (value === undefined || value === null) continue;
    result += `${name}\n${String(value)}\n`;
  }
  return result;
}

/** SignatureVersion 1 = SHA1withRSA, 2 = SHA256withRSA. */
export function snsSignatureAlgorithm(version: string): 'RSA-SHA1' | 'RSA-SHA256' | undefined {
  return version === '1' ? 'RSA-SHA1' : version === '2' ? 'RSA-SHA256' : undefined;
}

/** Verify the envelope's signature with the given certificate. */
export function verifySnsSignature(envelope: SnsEnvelope, certificate: X509Certificate): boolean {
  const algorithm = snsSignatureAlgorithm(envelope.SignatureVersion);
  if (!algorithm || typeof envelope.Signature !== 'string') return false;
  try {
    return createVerify(algorithm)
      .update(snsStringToSign(envelope), 'utf8')
      .verify(certificate.publicKey, Buffer.from(envelope.Signature, 'base64'));
  } catch {
    return false;
  }
}

/** Longest wait for a signing certificate before the request is answered 503 (SNS retries). */
export const DEFAULT_CERTIFICATE_TIMEOUT_MS = 5000;

/** Default fetcher: HTTPS GET, no redirects, 200 only. */
export const defaultSnsCertificateFetcher: SnsCertificateFetcher = async (url) => {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(DEFAULT_CERTIFICATE_TIMEOUT_MS) });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new AnymailAPIError(`Fetching the SNS signing certificate ${url} answered ${response.status}`, {
      espName: 'Amazon SES',
      statusCode: response.status,
      category: response.status >= 500 ? 'server' : 'invalid-request',
    });
  }
  return response.text();
};

/** Why a certificate could not be had: `missing` (the URL holds no certificate: a forgery) or `unavailable` (try later). */
export class SnsCertificateError extends Error {
  constructor(
    readonly reason: 'missing' | 'unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SnsCertificateError';
  }
}

export interface SnsCertificateCacheOptions {
  /** Certificates (and failures) kept, by URL. @default 100 */
  maxEntries?: number;
  /** A fetch taking longer is abandoned (the request is answered 503). @default 5000 */
  timeoutMs?: number;
  /** How long a URL that held no certificate (4xx, not a PEM) is remembered as such. @default 600000 (10 minutes) */
  missingTtlMs?: number;
  /** How long a timeout or network failure is remembered, so a burst costs one fetch. @default 30000 */
  unavailableTtlMs?: number;
  /**
   * Most fetches of URLs not in the cache per minute. Forgers can name any number of distinct
   * certificate paths; past this budget such requests are answered 503 (SNS retries genuine ones).
   * @default 20
   */
  maxFetchesPerMinute?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

interface CacheEntry {
  certificate: Promise<X509Certificate>;
  /** When a failed entry is forgotten (Infinity for a certificate). */
  expiresAt: number;
}

/**
 * Caches certificates AND failures by URL, so a burst of forged requests naming one URL costs at
 * most one outbound fetch, and times every fetch out (a stalled fetch never leaves a request pending).
 */
export class SnsCertificateCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #maxEntries: number;
  readonly #timeoutMs: number;
  readonly #missingTtlMs: number;
  readonly #unavailableTtlMs: number;
  readonly #now: () => number;
  readonly #maxFetchesPerMinute: number;
  /** Start times of the fetches of the last minute. */
  #recentFetches: number[] = [];

  constructor(
    readonly fetcher: SnsCertificateFetcher = defaultSnsCertificateFetcher,
    options: SnsCertificateCacheOptions = {},
  ) {
    this.#maxEntries = options.maxEntries ?? 100;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CERTIFICATE_TIMEOUT_MS;
    this.#missingTtlMs = options.missingTtlMs ?? 600_000;
    this.#unavailableTtlMs = options.unavailableTtlMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#maxFetchesPerMinute = options.maxFetchesPerMinute ?? 20;
  }

  /** The certificate at `url`; rejects with SnsCertificateError. */
  get(url: string): Promise<X509Certificate> {
    const now = this.#now();
    const cached = this.#entries.get(url);
    if (cached && cached.expiresAt > now) return cached.certificate;
    this.#recentFetches = this.#recentFetches.filter((at) => now - at < 60_000);
    if (this.#recentFetches.length >= this.#maxFetchesPerMinute) {
      return Promise.reject(new SnsCertificateError('unavailable', 'Too many SNS certificate fetches this minute (maxFetchesPerMinute)'));
    }
    this.#recentFetches.push(now);
    if (this.#entries.size >= this.#maxEntries) this.#evict(now);
    const entry: CacheEntry = { certificate: this.#load(url), expiresAt: Number.POSITIVE_INFINITY };
    entry.certificate.catch((error: unknown) => {
      const ttl = error instanceof SnsCertificateError && error.reason === 'missing' ? this.#missingTtlMs : this.#unavailableTtlMs;
      entry.expiresAt = this.#now() + ttl;
    });
    this.#entries.set(url, entry);
    return entry.certificate;
  }

  async #load(url: string): Promise<X509Certificate> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SnsCertificateError('unavailable', `Fetching the SNS signing certificate timed out after ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    let pem: string;
    try {
      pem = await Promise.race([this.fetcher(url), timeout]);
    } catch (error) {
      if (error instanceof SnsCertificateError) throw error;
      const status = (error as { statusCode?: unknown } | null)?.statusCode;
      const missing = typeof status === 'number' && status >= 400 && status < 500;
      throw new SnsCertificateError(missing ? 'missing' : 'unavailable', `Could not fetch the SNS signing certificate ${url}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    try {
      return new X509Certificate(pem);
    } catch (cause) {
      throw new SnsCertificateError('missing', `The SNS SigningCertURL ${url} does not hold a certificate`, { cause });
    }
  }

  /** Drop expired failures, then the oldest entries, to make room. */
  #evict(now: number): void {
    for (const [url, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(url);
    for (const url of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(url);
    }
  }
}
