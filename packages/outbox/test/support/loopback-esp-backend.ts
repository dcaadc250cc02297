/**
 * The smallest real HTTP ESP backend: posts each message as JSON to a loopback fake ESP
 * through core's BaseEspBackend (undici pool, keep-alive). For the outbox's drain tests
 * and bench only.
 */
import { AnymailStatus, BaseEspBackend, type BaseEspBackendOptions, type EmailMessage, type EspRequest, type EspResponse } from '@anymail/core';

export class LoopbackEspBackend extends BaseEspBackend {
  readonly espName = 'Loopback';
  readonly #apiUrl: string;

  constructor(options: BaseEspBackendOptions & { apiUrl: string }) {
    super(options);
    this.#apiUrl = options.apiUrl;
  }

  protected get apiUrl(): string {
    return this.#apiUrl;
  }

  protected buildRequest(message: EmailMessage): EspRequest {
    return {
      method: 'POST',
      path: 'send',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: message.from, to: message.to, subject: message.subject, text: message.body }),
    };
  }

  protected parseResponse(response: EspResponse, _request: EspRequest, message: EmailMessage): AnymailStatus {
    const { id } = response.json() as { id: string };
    return AnymailStatus.forAll(message.recipientEmails(), 'sent', id);
  }
}
