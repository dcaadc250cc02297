import {
  BaseEspBackend,
  type AnymailStatus,
  type EmailMessage,
  type ErrorDescription,
  type EspRequest,
  type EspResponse,
  type PayloadContext,
  type FeatureSupportTable,
} from '@anymail/core';
import { describeSendGridError } from './sendgrid-errors.js';
import { resolveSendGridOptions, type ResolvedSendGridOptions, type SendGridBackendOptions } from './sendgrid-options.js';
import { buildSendGridRequest, sendGridFeatures } from './sendgrid-payload.js';
import { parseSendGridResponse } from './sendgrid-response.js';

/**
 * Sends through SendGrid's v3 Mail Send API (`POST <apiUrl>mail/send`, JSON, Bearer auth).
 * @see https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
 */
export class SendGridBackend extends BaseEspBackend {
  readonly espName = 'SendGrid';
  protected override readonly featureTable: FeatureSupportTable = sendGridFeatures;
  readonly #options: ResolvedSendGridOptions;
  /** The same headers object for every request (never mutated). */
  readonly #headers: Readonly<Record<string, string>>;

  constructor(options: SendGridBackendOptions = {}) {
    const resolved = resolveSendGridOptions(options);
    super(resolved.base);
    this.#options = resolved;
    this.#headers = Object.freeze({ 'content-type': 'application/json', authorization: `Bearer ${resolved.apiKey}` });
  }

  protected get apiUrl(): string {
    return this.#options.apiUrl;
  }

  protected buildRequest(message: EmailMessage, context: PayloadContext): EspRequest | Promise<EspRequest> {
    return buildSendGridRequest(message, context, this.#options, this.#headers as Record<string, string>);
  }

  protected parseResponse(response: EspResponse, request: EspRequest): AnymailStatus {
    return parseSendGridResponse(response, request);
  }

  protected override describeError(response: EspResponse): ErrorDescription {
    return describeSendGridError(response);
  }
}
