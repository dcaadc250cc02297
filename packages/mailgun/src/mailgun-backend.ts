import {
  BaseEspBackend,
  type AnymailStatus,
  type EmailMessage,
  type ErrorDescription,
  type EspRequest,
  type EspResponse,
  type PayloadContext,
} from '@anymail/core';
import { describeMailgunError } from './mailgun-errors.js';
import { resolveMailgunOptions, type MailgunBackendOptions, type ResolvedMailgunOptions } from './mailgun-options.js';
import { buildMailgunRequest } from './mailgun-payload.js';
import { parseMailgunResponse } from './mailgun-response.js';

/**
 * Sends through Mailgun's `POST /v3/{domain}/messages`.
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages
 */
export class MailgunBackend extends BaseEspBackend {
  readonly espName = 'Mailgun';
  readonly #settings: ResolvedMailgunOptions;

  constructor(options: MailgunBackendOptions = {}) {
    const settings = resolveMailgunOptions(options);
    super(settings.base);
    this.#settings = settings;
  }

  /** The sender domain from options or the environment (messages may pick another). */
  get senderDomain(): string | undefined {
    return this.#settings.senderDomain;
  }

  protected get apiUrl(): string {
    return this.#settings.apiUrl;
  }

  protected buildRequest(_message: EmailMessage, context: PayloadContext): Promise<EspRequest> {
    return buildMailgunRequest(context, this.#settings);
  }

  protected parseResponse(response: EspResponse, request: EspRequest): AnymailStatus {
    return parseMailgunResponse(response, request, this.#settings.apiUrl);
  }

  protected override describeError(response: EspResponse, request: EspRequest): ErrorDescription {
    return describeMailgunError(response, request, this.#settings.apiUrl, this.#settings.region);
  }
}
