import { jsonErrors, parseRetryAfter, type ErrorDescription, type EspRequest, type EspResponse } from '@anymail/core/esp';
import { z } from 'zod';
import type { MailgunSettings } from './mailgun-options.js';
import type { MailgunRequestContext } from './mailgun-payload.js';

/**
 * Mailgun's error bodies carry no codes, only prose, in three shapes: a JSON object
 * `{"message": "..."}`, a bare JSON string (401 `"Forbidden"`), or text/HTML from a proxy.
 * Anything recognized by wording is matched in the functions below, each pinned by a fixture
 * in test/fixtures/responses.
 */
export const mailgunErrorSchema = z.union([z.object({ message: z.string() }).loose(), z.string()]);

const jsonMessage = (body: z.output<typeof mailgunErrorSchema>): string => (typeof body === 'string' ? body : body.message);

/** The readable message of an error body (never throws). */
export function mailgunErrorMessage(text: string): string | undefined {
  try {
    const parsed = mailgunErrorSchema.safeParse(JSON.parse(text));
    if (parsed.success) return jsonMessage(parsed.data);
  } catch {
    // not JSON: fall through
  }
  return plainMessage(text);
}

/** A text or HTML body (a proxy's error page): its title, or its text without tags. */
function plainMessage(text: string): string | undefined {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  const plain = (title || text.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return plain === '' ? undefined : plain.slice(0, 300);
}

/**
 * Mailgun answers requests to a URL it has no route for (e.g. apiUrl without `/v3`) with its
 * API's banner, `Mailgun Magnificent API`, sometimes with HTTP 200.
 */
export function isWrongApiUrlBody(text: string): boolean {
  return text.includes('Mailgun Magnificent API');
}

export function wrongApiUrlHint(apiUrl: string): string {
  return (
    `Mailgun answered "Mailgun Magnificent API": the request URL is not a Mailgun send endpoint. ` +
    `Check apiUrl (${apiUrl}): it should end in /v3, like 'https://api.mailgun.net/v3' or 'https://api.eu.mailgun.net/v3'.`
  );
}

/** 404 `{"message": "Domain not found: mg.example.com"}` (or just "Domain not found"). */
export function isDomainNotFound(message: string | undefined): boolean {
  return message !== undefined && /^domain not found\b/i.test(message.trim());
}

/**
 * 429 "Domain example.com is not allowed to send: … limit exceeded, try again after 120 seconds"
 * (spec example); older docs show a date after "try again after". → milliseconds from `now`.
 */
export function parseTryAgainAfter(message: string | undefined, now = Date.now()): number | undefined {
  const after = message ? /try again after\s+(.+?)\.?\s*$/i.exec(message)?.[1] : undefined;
  if (!after) return undefined;
  const delta = /^(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)?$/i.exec(after);
  if (delta) {
    const unit = (delta[2] ?? 's').toLowerCase();
    const factor = unit.startsWith('ms') || unit.startsWith('milli') ? 1 : unit.startsWith('h') ? 3_600_000 : unit.startsWith('m') ? 60_000 : 1000;
    return Math.round(Number(delta[1]) * factor);
  }
  // Go's time format ("2024-05-06 07:08:09 +0000 UTC") or an RFC 2822 / ISO date.
  const go = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*([+-]\d{2}):?(\d{2})/.exec(after);
  const date = go ? Date.parse(`${go[1]}T${go[2]}${go[3]}:${go[4]}`) : Date.parse(after.replace(/\s+UTC$/, ''));
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** One reading of every error answer, whatever the body's shape (see `mailgunErrors`). */
function describeMailgunError(
  message: string | undefined,
  response: EspResponse,
  request: EspRequest<MailgunRequestContext>,
  { apiUrl, region }: MailgunSettings,
): ErrorDescription {
  if (isWrongApiUrlBody(response.text())) return { message: wrongApiUrlHint(apiUrl), category: 'configuration', code: 'MAILGUN_WRONG_API_URL' };
  if (response.statusCode === 404 && isDomainNotFound(message)) {
    const domain = request.context.senderDomain;
    const other = region === 'eu' ? "the US region (omit region, or region: 'us')" : "the EU region (region: 'eu')";
    return {
      message:
        `${message} (sender domain "${domain}", apiUrl ${apiUrl}). The domain is not in this Mailgun account and region: ` +
        `if it is an EU domain, use ${other}; otherwise check the from address, the senderDomain option or espExtra.senderDomain.`,
      category: 'configuration',
      code: 'MAILGUN_DOMAIN_NOT_FOUND',
    };
  }
  const description: ErrorDescription = { message: message ?? '(empty body)' };
  if (response.statusCode === 401) {
    description.message = `${description.message}. Check the Mailgun apiKey (MAILGUN_API_KEY), and that its account is in the region of ${apiUrl} (EU accounts need region: 'eu').`;
  }
  if (response.statusCode === 429) {
    description.retryAfterMs = parseRetryAfter(response.headers['retry-after']) ?? parseTryAgainAfter(message);
  }
  return description;
}

/**
 * Error answers. Mailgun's carry no codes, only prose: `{"message": ...}` or a bare JSON string
 * (the schema), or text/HTML from a proxy or for an unknown URL (the fallback); both are read
 * the same way, with the request's sender domain and the backend's apiUrl and region for hints.
 */
export const mailgunErrors = jsonErrors(
  mailgunErrorSchema,
  (body, response, request: EspRequest<MailgunRequestContext>, settings: MailgunSettings) =>
    describeMailgunError(jsonMessage(body), response, request, settings),
  { fallback: (response, request, settings) => describeMailgunError(plainMessage(response.text()), response, request, settings) },
);
