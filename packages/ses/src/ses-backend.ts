import {
  AnymailConfigurationError,
  BaseEspBackend,
  type AnymailStatus,
  type EmailMessage,
  type ErrorDescription,
  type EspRequest,
  type EspResponse,
  type PayloadContext,
} from '@anymail/core';
import { SesCredentialProvider, resolveRegion } from './ses-credentials.js';
import { describeSesError } from './ses-errors.js';
import { SES_ESP_NAME, resolveSesOptions, sesApiUrl, type ResolvedSesOptions, type SesBackendOptions } from './ses-options.js';
import { buildSesRequest, sesFeatures, type SesPayloadSettings, type SesRequestContext } from './ses-payload.js';
import { parseSesResponse } from './ses-response.js';
import { signRequest, type AwsSigningCredentials } from './ses-sigv4.js';

/**
 * Sends through the Amazon SES v2 API (https://docs.aws.amazon.com/ses/latest/APIReference-V2/):
 * `SendEmail` with the whole MIME message (Content.Raw), or `SendBulkEmail` for templated
 * messages. Requests are signed with SigV4 in `finalizeRequest`; no AWS SDK is needed.
 */
export class SesBackend extends BaseEspBackend {
  readonly espName = SES_ESP_NAME;
  protected override readonly featureTable = sesFeatures;
  readonly configurationSetName: string | undefined;
  readonly #settings: ResolvedSesOptions;
  readonly #credentials: SesCredentialProvider;
  #region: string | undefined;
  #regionLookup: Promise<string> | undefined;
  /** Request URLs by path (the backend posts to two paths). */
  readonly #urls = new Map<string, URL>();
  readonly #payloadSettings: SesPayloadSettings;

  constructor(options: SesBackendOptions = {}) {
    const settings = resolveSesOptions(options);
    super(settings.base);
    this.#settings = settings;
    this.#region = this.#settings.region;
    this.configurationSetName = this.#settings.configurationSetName;
    this.#credentials = new SesCredentialProvider(this.#settings.credentials);
    this.#payloadSettings = { configurationSetName: this.#settings.configurationSetName, messageTagName: this.#settings.messageTagName };
  }

  /** The region requests are signed for (resolved from the profile's config at the first send if not given). */
  get region(): string | undefined {
    return this.#region;
  }

  protected get apiUrl(): string {
    if (this.#region === undefined) throw this.#noRegion();
    return sesApiUrl(this.#settings.endpoint, this.#region);
  }

  #noRegion(): AnymailConfigurationError {
    return new AnymailConfigurationError(
      'No AWS region for Amazon SES. Pass region (e.g. "us-east-1"), set SES_REGION, AWS_REGION or AWS_DEFAULT_REGION, or give the AWS profile a region.',
      { espName: SES_ESP_NAME },
    );
  }

  async #ensureRegion(): Promise<string> {
    if (this.#region !== undefined) return this.#region;
    this.#regionLookup ??= resolveRegion({ ...this.#settings.credentials }).then((region) => {
      if (region === undefined) {
        this.#regionLookup = undefined;
        throw this.#noRegion();
      }
      this.#region = region;
      return region;
    });
    return this.#regionLookup;
  }

  protected buildRequest(message: EmailMessage, context: PayloadContext): EspRequest | Promise<EspRequest> {
    if (this.#region === undefined) return this.#ensureRegion().then(() => buildSesRequest(message, context, this.#payloadSettings));
    return buildSesRequest(message, context, this.#payloadSettings);
  }

  /**
   * SigV4-sign the request (service `ses`) with the current credentials, right before it is sent.
   * Synchronous while the region is known and the cached credentials are fresh.
   */
  protected override finalizeRequest(request: EspRequest): EspRequest | Promise<EspRequest> {
    const region = this.#region;
    const credentials = this.#credentials.cachedCredentials();
    if (region !== undefined && credentials !== undefined) return this.#sign(request, region, credentials);
    return this.#ensureRegion().then((resolvedRegion) =>
      this.#credentials.getCredentials().then((loaded) => this.#sign(request, resolvedRegion, loaded)),
    );
  }

  #sign(request: EspRequest, region: string, credentials: AwsSigningCredentials): EspRequest {
    let url = this.#urls.get(request.path);
    if (url === undefined) {
      url = new URL(request.path, this.apiUrl);
      if (this.#urls.size < 16) this.#urls.set(request.path, url);
    }
    const signed = signRequest({
      method: request.method,
      url,
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

  protected override describeError(response: EspResponse): ErrorDescription | undefined {
    return describeSesError(response);
  }

  protected parseResponse(response: EspResponse, request: EspRequest): AnymailStatus {
    return parseSesResponse(response, request.context as SesRequestContext);
  }
}
