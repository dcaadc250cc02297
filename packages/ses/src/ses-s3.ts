/**
 * Reading the message an SES receipt rule's S3 action stored: one SigV4-signed GetObject with the
 * package's own signer and credential chain (no AWS SDK).
 */
import { AnymailAPIError, AnymailConfigurationError, classifyHttpStatus } from '@anymail/core';
import type { SesCredentialProvider } from './ses-credentials.js';
import { SES_ESP_NAME } from './ses-options.js';
import { signRequest } from './ses-sigv4.js';

export interface S3ObjectLocation {
  bucket: string;
  key: string;
  region: string;
}

export interface S3FetchOptions {
  credentials: SesCredentialProvider;
  /** S3-compatible endpoint (path-style: `<endpoint>/<bucket>/<key>`), for tests and VPC endpoints. */
  endpoint?: string | undefined;
  /** Refuse objects larger than this. */
  maxBytes: number;
  timeoutMs: number;
}

/** RFC 3986 encoding of one key segment, as S3 expects on the wire and in the signature. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The object's URL: virtual-hosted style on AWS (path style for bucket names with dots), path style on a custom endpoint. */
export function s3ObjectUrl({ bucket, key, region }: S3ObjectLocation, endpoint?: string): URL {
  const path = key.split('/').map(encodeSegment).join('/');
  if (endpoint !== undefined) return new URL(`${endpoint.replace(/\/+$/, '')}/${encodeSegment(bucket)}/${path}`);
  if (bucket.includes('.')) return new URL(`https://s3.${region}.amazonaws.com/${encodeSegment(bucket)}/${path}`);
  return new URL(`https://${bucket}.s3.${region}.amazonaws.com/${path}`);
}

/** GET the object's bytes. HTTP and network failures are AnymailAPIError (the webhook answers 500, so SNS retries). */
export async function fetchS3Object(location: S3ObjectLocation, options: S3FetchOptions): Promise<Uint8Array> {
  const url = s3ObjectUrl(location, options.endpoint);
  const credentials = await options.credentials.getCredentials();
  const signed = signRequest({ method: 'GET', url, region: location.region, service: 's3', credentials });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed)) if (value !== undefined) headers[name] = value;
  const where = `s3://${location.bucket}/${location.key}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (cause) {
    throw new AnymailAPIError(`Could not fetch the inbound message ${where} from S3`, { espName: SES_ESP_NAME, cause });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    const hint = response.status === 403 ? ' (the credentials need s3:GetObject on the bucket, and kms:Decrypt if it uses a KMS key)' : '';
    throw new AnymailAPIError(`S3 answered ${response.status} for the inbound message ${where}${hint}`, {
      espName: SES_ESP_NAME,
      statusCode: response.status,
      category: classifyHttpStatus(response.status),
    });
  }
  if (response.headers.has('x-amz-meta-x-amz-cek-alg') || response.headers.has('x-amz-meta-x-amz-key-v2')) {
    await response.body?.cancel().catch(() => {});
    throw new AnymailConfigurationError(
      `The inbound message ${where} is client-side encrypted (the S3 action's KMS option); turn encryption off in the receipt rule's S3 action.`,
      { espName: SES_ESP_NAME },
    );
  }
  return readCapped(response, options.maxBytes, where);
}

async function readCapped(response: Response, maxBytes: number, where: string): Promise<Uint8Array> {
  const tooLarge = () =>
    new AnymailConfigurationError(`The inbound message ${where} is larger than maxBodyBytes (${maxBytes}); raise the option to accept it.`, {
      espName: SES_ESP_NAME,
    });
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body!.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      throw new AnymailAPIError(`Reading the inbound message ${where} from S3 failed`, { espName: SES_ESP_NAME, cause });
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
