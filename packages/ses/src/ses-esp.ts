import { defineEsp, type EspRequest } from '@anymail/core/esp';
import { sesErrors } from './ses-errors.js';
import { assertSesExtraHeaders, sesExtraSchema } from './ses-extra.js';
import { SES_ESP_NAME, sesOptions, sesSettings, type SesSettings } from './ses-options.js';
import { finishSes, newSesDraft, sesFeatures, type SesRequestContext } from './ses-payload.js';
import { sesResponse } from './ses-response.js';
import { signRequest, type AwsSigningCredentials } from './ses-sigv4.js';

type SesRequest = EspRequest<SesRequestContext>;

function signWith(request: SesRequest, settings: SesSettings, region: string, credentials: AwsSigningCredentials): SesRequest {
  const signed = signRequest({
    method: request.method,
    url: settings.region.url(request.path),
    headers: request.headers,
    body: request.body,
    region,
    service: 'ses',
    credentials,
    contentSha256Header: false,
  });
  const headers: Record<string, string> = {};
  for (const name in request.headers) headers[name] = request.headers[name]!;
  headers.authorization = signed.authorization;
  headers['x-amz-date'] = signed['x-amz-date'];
  if (signed['x-amz-security-token'] !== undefined) headers['x-amz-security-token'] = signed['x-amz-security-token'];
  return { method: request.method, path: request.path, headers, body: request.body, context: request.context };
}

/**
 * SigV4-sign the request (service `ses`) with the current credentials, right before it is sent.
 * Synchronous while the region is known and the cached credentials are fresh: no promise per message.
 */
export function signSesRequest(request: SesRequest, settings: SesSettings): SesRequest | Promise<SesRequest> {
  const region = settings.region.value;
  const credentials = settings.credentials.cachedCredentials();
  if (region !== undefined && credentials !== undefined) return signWith(request, settings, region, credentials);
  return settings.region.resolve().then((resolved) => settings.credentials.getCredentials().then((loaded) => signWith(request, settings, resolved, loaded)));
}

/** The secret key and session token, hidden from error text (the given ones, and the current ones of a provider or the chain). */
function sesSecrets(settings: SesSettings): readonly string[] {
  const current = settings.credentials.cachedCredentials();
  if (current === undefined) return settings.givenSecrets;
  return [...settings.givenSecrets, current.secretAccessKey, ...(current.sessionToken ? [current.sessionToken] : [])];
}

/**
 * Amazon SES v2 (https://docs.aws.amazon.com/ses/latest/APIReference-V2/), declared once:
 * `SendEmail` with `Content.Simple` (SES writes the MIME) or the whole MIME message
 * (`Content.Raw`), `SendBulkEmail` for templated messages; SigV4-signed, no AWS SDK.
 */
export const sesEsp = defineEsp({
  name: SES_ESP_NAME,
  options: sesOptions,
  settings: sesSettings,
  apiUrl: (settings) => settings.region.apiUrl(),
  extra: sesExtraSchema,
  checkExtra: assertSesExtraHeaders,
  draft: newSesDraft,
  features: sesFeatures,
  featureNotes: {
    from: 'one address',
    subject: 'not with templateId',
    textBody: 'not with templateId',
    htmlBody: 'not with templateId',
    ampBody: 'not with templateId',
    alternatives: 'not with templateId',
    envelopeSender: 'FeedbackForwardingEmailAddress',
    metadata: 'X-Metadata header (≤ 870 characters of JSON)',
    tags: 'X-Tag headers; with messageTagName one EmailTags tag',
    templateId: 'SendBulkEmail, ≤ 50 to',
    mergeData: 'with templateId',
    mergeGlobalData: 'with templateId',
    mergeMetadata: 'with templateId',
    mergeHeaders: 'with templateId',
  },
  finish: finishSes,
  response: sesResponse,
  errors: sesErrors,
  sign: signSesRequest,
  secretHeaders: ['authorization', 'x-amz-security-token'],
  secrets: sesSecrets,
});
