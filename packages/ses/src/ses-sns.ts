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

/** Whether `url` is `https://sns.<region>.amazonaws.com[.cn]/…` (optionally requiring a `.pem` path). */
export function isSnsUrl(url: string, { pem = false }: { pem?: boolean } = {}): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.port !== '' || parsed.username || parsed.password) return false;
  if (!SNS_HOST.test(parsed.hostname)) return false;
  return !pem || parsed.pathname.endsWith('.pem');
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

/** Default fetcher: HTTPS GET, no redirects, 200 only. */
export const defaultSnsCertificateFetcher: SnsCertificateFetcher = async (url) => {
  const response = await fetch(url, { redirect: 'error' });
  if (response.status !== 200) {
    throw new AnymailAPIError(`Fetching the SNS signing certificate ${url} answered ${response.status}`, {
      espName: 'Amazon SES',
      statusCode: response.status,
      category: 'server',
    });
  }
  return response.text();
};

/** Caches parsed certificates by URL; a failed fetch is not cached. */
export class SnsCertificateCache {
  readonly #certificates = new Map<string, Promise<X509Certificate>>();

  constructor(
    readonly fetcher: SnsCertificateFetcher = defaultSnsCertificateFetcher,
    readonly maxEntries = 100,
  ) {}

  get(url: string): Promise<X509Certificate> {
    let entry = this.#certificates.get(url);
    if (!entry) {
      entry = this.fetcher(url).then((pem) => new X509Certificate(pem));
      entry.catch(() => this.#certificates.delete(url));
      if (this.#certificates.size >= this.maxEntries) this.#certificates.clear();
      this.#certificates.set(url, entry);
    }
    return entry;
  }
}
