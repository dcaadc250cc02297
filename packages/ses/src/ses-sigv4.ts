/**
 * AWS Signature Version 4 for SES requests, written on node:crypto so @anymail/ses needs no AWS SDK
 * at run time. Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * Checked against @smithy/signature-v4 (the AWS SDK's signer) in test/ses-sigv4.test.ts.
 */
import { createHmac, hash } from 'node:crypto';

export interface AwsSigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present with temporary credentials (STS, container, instance metadata). */
  sessionToken?: string | undefined;
}

export interface SignRequestInput {
  method: string;
  /** The URL the request goes to, as sent on the wire (path and query already percent-encoded). */
  url: string | URL;
  /** Headers the request will carry. All are signed except hop-by-hop ones proxies may change. */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The exact bytes sent. A string is hashed as UTF-8. */
  body?: string | Uint8Array | undefined;
  region: string;
  service: string;
  credentials: AwsSigningCredentials;
  /** Signing time; defaults to now. */
  date?: Date;
  /**
   * Also send `x-amz-content-sha256` (the AWS SDK does by default; SES does not require it).
   * @default true
   */
  contentSha256Header?: boolean;
}

/** Headers to add to the request (lower-case names). */
export interface SigV4Headers {
  authorization: string;
  'x-amz-date': string;
  'x-amz-content-sha256'?: string;
  'x-amz-security-token'?: string;
  [name: string]: string | undefined;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * Headers left unsigned because proxies and HTTP stacks may add or rewrite them
 * (the same set the AWS SDK leaves out).
 */
const UNSIGNED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/**
 * Signs a request and returns the headers to add: `authorization`, `x-amz-date`,
 * `x-amz-content-sha256` (unless turned off) and `x-amz-security-token` with temporary credentials.
 * `host` is signed from `headers.host` if given, else from the URL (what the HTTP client will send).
 */
export function signRequest(input: SignRequestInput): SigV4Headers {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const { longDate, shortDate } = formatAmzDate(input.date ?? new Date());
  const { credentials } = input;

  // Lower-cased signed headers; the usual few, so a small array beats a Map.
  const names: string[] = [];
  const values: string[] = [];
  const given = input.headers;
  if (given !== undefined) {
    for (const name in given) {
      const value = given[name];
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      if (UNSIGNED_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) continue;
      setHeader(names, values, lower, typeof value === 'string' ? value : value.join(','), true);
    }
  }
  if (!names.includes('host')) setHeader(names, values, 'host', url.host, false);

  const added: SigV4Headers = { authorization: '', 'x-amz-date': longDate };
  setHeader(names, values, 'x-amz-date', longDate, false);
  if (credentials.sessionToken) {
    added['x-amz-security-token'] = credentials.sessionToken;
    setHeader(names, values, 'x-amz-security-token', credentials.sessionToken, false);
  }
  // A caller-supplied hash (e.g. UNSIGNED-PAYLOAD) is signed as given, as the AWS SDK does.
  const hashAt = names.indexOf('x-amz-content-sha256');
  let payloadHash = hashAt === -1 ? undefined : values[hashAt]!;
  if (payloadHash === undefined) {
    payloadHash = hashPayload(input.body);
    if (input.contentSha256Header !== false) {
      added['x-amz-content-sha256'] = payloadHash;
      setHeader(names, values, 'x-amz-content-sha256', payloadHash, false);
    }
  }

  const order = names.map((_, index) => index).sort((a, b) => (names[a]! < names[b]! ? -1 : 1));
  let canonicalHeaders = '';
  let signedHeaders = '';
  for (const index of order) {
    const name = names[index]!;
    canonicalHeaders += `${name}:${normalizeHeaderValue(values[index]!)}\n`;
    signedHeaders += signedHeaders === '' ? name : `;${name}`;
  }

  // S3 signs the path as sent (encoded once, not normalized); every other service encodes it again.
  const [path, query] = input.service === 's3' ? [url.pathname || '/', canonicalQuery(url.search)] : canonicalTarget(url);
  const canonicalRequest = `${input.method.toUpperCase()}\n${path}\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
  const scope = `${shortDate}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const key = signingKey(credentials.secretAccessKey, shortDate, input.region, input.service);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');

  added.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return added;
}

/** Set (or, for repeated names in the caller's headers, comma-join) one signed header. */
function setHeader(names: string[], values: string[], name: string, value: string, join: boolean): void {
  const at = names.indexOf(name);
  if (at === -1) {
    names.push(name);
    values.push(value);
  } else {
    values[at] = join ? `${values[at]},${value}` : value;
  }
}

let lastAmzDate = { second: Number.NaN, value: { longDate: '', shortDate: '' } };

/** `20150830T123600Z` and `20150830` (UTC, no milliseconds); the same second is formatted once. */
export function formatAmzDate(date: Date): { longDate: string; shortDate: string } {
  const second = Math.floor(date.getTime() / 1000);
  if (second === lastAmzDate.second) return lastAmzDate.value;
  const value = formatAmzDateUncached(date);
  lastAmzDate = { second, value };
  return value;
}

function formatAmzDateUncached(date: Date): { longDate: string; shortDate: string } {
  const iso = date.toISOString(); // 2015-08-30T12:36:00.000Z
  const longDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return { longDate, shortDate: longDate.slice(0, 8) };
}

function hashPayload(body: string | Uint8Array | undefined): string {
  if (body === undefined || body.length === 0) return EMPTY_SHA256;
  return hash('sha256', body, 'hex');
}

/** One-shot SHA-256 (node:crypto `hash`, Node >= 20.12): about twice as fast as createHash for small inputs. */
function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** Trim and fold runs of whitespace to one space, as SigV4 requires. */
const FOLDABLE = /\s\s|[\t\r\n]/;
function normalizeHeaderValue(value: string): string {
  const trimmed = value.trim();
  return FOLDABLE.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
}

const canonicalTargets = new Map<string, [string, string]>();
/** Canonical path and query of a URL; the same few SES paths are computed once. */
function canonicalTarget(url: URL): [string, string] {
  const key = url.pathname + url.search;
  let target = canonicalTargets.get(key);
  if (target === undefined) {
    target = [canonicalPath(url.pathname), canonicalQuery(url.search)];
    if (canonicalTargets.size < 256) canonicalTargets.set(key, target);
  }
  return target;
}

/** RFC 3986 unreserved characters stay; everything else is %XX (upper-case hex). */
function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Every service but S3 signs the wire path encoded once more (the SigV4 docs call this
 * "URI-encode each path segment twice", counting the encoding already on the wire).
 * Empty, `.` and `..` segments are normalized away, as AWS does when it checks the signature.
 */
function canonicalPath(pathname: string): string {
  if (pathname === '' || pathname === '/') return '/';
  const segments: string[] = [];
  for (const segment of pathname.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEscape(segment));
  }
  const trailing = segments.length > 0 && pathname.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

/**
 * Decode each `name=value` pair, re-encode with RFC 3986 rules, sort by name then value.
 * `+` is kept as a literal plus (AWS clients encode spaces as `%20`).
 */
function canonicalQuery(search: string): string {
  if (search.length <= 1) return '';
  const pairs: Array<[string, string]> = [];
  for (const part of search.slice(1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = uriEscape(safeDecode(eq === -1 ? part : part.slice(0, eq)));
    if (name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([name, uriEscape(safeDecode(eq === -1 ? '' : part.slice(eq + 1)))]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray `%` is sent as is; sign it as is
  }
}

/**
 * Signing keys depend only on (secret, day, region, service), so a busy sender derives
 * one per day instead of four HMACs per request. Small bound: a process rarely uses
 * more than a few key/region pairs, and rotated secrets fall out.
 */
const SIGNING_KEY_CACHE_LIMIT = 32;
const signingKeyCache = new Map<string, Buffer>();

function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const cacheKey = `${shortDate}\n${region}\n${service}\n${secretAccessKey}`;
  const cached = signingKeyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const dateKey = createHmac('sha256', `AWS4${secretAccessKey}`).update(shortDate).digest();
  const regionKey = createHmac('sha256', dateKey).update(region).digest();
  const serviceKey = createHmac('sha256', regionKey).update(service).digest();
  const key = createHmac('sha256', serviceKey).update('aws4_request').digest();
  if (signingKeyCache.size >= SIGNING_KEY_CACHE_LIMIT) {
    signingKeyCache.delete(signingKeyCache.keys().next().value!);
  }
  signingKeyCache.set(cacheKey, key);
  return key;
}

/** For tests: the derived key, hex (e.g. to compare with AWS's documented example). */
export function deriveSigningKeyHex(secretAccessKey: string, shortDate: string, region: string, service: string): string {
  return signingKey(secretAccessKey, shortDate, region, service).toString('hex');
}

/** Entries in the signing-key cache (for tests and diagnostics). */
export function signingKeyCacheSize(): number {
  return signingKeyCache.size;
}
