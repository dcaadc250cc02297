import { AnymailError } from '../errors.js';
import type { EspRequest } from './esp-request.js';

/** Headers whose values are always hidden, besides an ESP's own list. */
const alwaysSecret = /(authorization|token|secret|api-?key|password|signature)/i;
/** Query parameters whose values are hidden in displayed URLs (api_key=, X-Amz-Signature=, token=…). */
const secretParam = /(key|token|secret|password|passwd|signature|sig|auth|credential)/i;
const REDACTED = '[redacted]';
/** Shorter values are not treated as secrets: replacing them would garble ordinary text. */
const MIN_SECRET_LENGTH = 6;

function isSecretHeader(name: string, secretHeaders: readonly string[]): boolean {
  return secretHeaders.includes(name.toLowerCase()) || alwaysSecret.test(name);
}

/** A URL as Anymail shows it in errors and logs: no userinfo, secret-looking query values hidden. */
export function displayUrl(input: URL | string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return redactText(String(input), []);
  }
  url.username = '';
  url.password = '';
  for (const name of new Set(url.searchParams.keys())) {
    if (secretParam.test(name)) url.searchParams.set(name, REDACTED);
  }
  return url.href;
}

/** One log line for a request, with secrets replaced by '[redacted]'. */
export function describeRequest(espName: string, baseUrl: URL, request: EspRequest, secretHeaders: readonly string[]): string {
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `${name}: ${isSecretHeader(name, secretHeaders) ? REDACTED : value}`)
    .join('; ');
  const size = request.body === undefined ? 0 : typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body.byteLength;
  return `${espName} → ${request.method} ${displayUrl(new URL(request.path, baseUrl))} [${headers}] (${size} bytes)`;
}

function decodeBase64(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return decoded.includes('\uFFFD') ? undefined : decoded;
}

/**
 * The credential values a request carries: each secret header's value, its token after a scheme
 * (`Bearer x`, `Basic x`), a Basic token's decoded password, a SigV4 signature; and the userinfo
 * of `url`. These are what an ESP can echo back in an error body.
 */
export function credentialValues(headers: Readonly<Record<string, string>>, secretHeaders: readonly string[], url?: string): string[] {
  const found: string[] = [];
  for (const [name, raw] of Object.entries(headers)) {
    if (!isSecretHeader(name, secretHeaders) || typeof raw !== 'string') continue;
    const value = raw.trim();
    found.push(value);
    const scheme = /^([A-Za-z][\w-]*)\s+(\S.*)$/.exec(value);
    if (!scheme) continue;
    const token = scheme[2]!;
    found.push(token);
    if (scheme[1]!.toLowerCase() === 'basic') {
      const decoded = decodeBase64(token);
      if (decoded !== undefined) found.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
    }
    for (const match of token.matchAll(/Signature=([0-9a-fA-F]+)/g)) found.push(match[1]!);
  }
  if (url) {
    try {
      const parsed = new URL(url);
      found.push(decodeURIComponent(parsed.password), parsed.password);
    } catch {
      // not a URL: nothing to take from it
    }
  }
  return found;
}

/** Each secret as it may appear in a body: as is, URL-encoded, JSON-escaped. */
function spellings(secrets: readonly string[]): string[] {
  const all = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    all.add(secret);
    all.add(encodeURIComponent(secret));
    const json = JSON.stringify(secret).slice(1, -1);
    all.add(json);
    all.add(json.replaceAll('/', '\\/'));
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...all].sort((a, b) => b.length - a.length);
}

/**
 * Text with every given secret, every Basic/Bearer token, every URL userinfo and every
 * secret-looking query value replaced by '[redacted]'. The one redaction rule for error text.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of spellings(secrets)) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out
    // A credential-shaped token (8+ characters, with a digit or base64 punctuation) after the scheme.
    .replace(/\b(Basic|Bearer)(\s+)(?=[A-Za-z0-9._~+/=-]*[0-9+/=])[A-Za-z0-9._~+/=-]{8,}/g, `$1$2${REDACTED}`)
    .replace(/\b(Signature=)[0-9a-fA-F]{16,}/g, `$1${REDACTED}`)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi, '$1')
    .replace(/([?&][\w.-]*(?:key|token|secret|password|passwd|signature|sig|credential)[\w.-]*=)(?!\[redacted\])[^&\s"'<>#]+/gi, `$1${REDACTED}`);
}

/**
 * Redact an Anymail error in place (message, responseBody, stack) and return it: ESP error
 * bodies can echo the credentials they were sent.
 */
export function redactError<E>(error: E, secrets: readonly string[]): E {
  if (!AnymailError.isInstance(error)) return error;
  const message = redactText(error.message, secrets);
  if (message !== error.message) error.message = message;
  if (error.responseBody !== undefined) {
    const body = redactText(error.responseBody, secrets);
    if (body !== error.responseBody) Object.defineProperty(error, 'responseBody', { value: body, enumerable: true, writable: false });
  }
  if (typeof error.stack === 'string') error.stack = redactText(error.stack, secrets);
  return error;
}
