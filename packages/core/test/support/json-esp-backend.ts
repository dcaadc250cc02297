// A minimal JSON ESP used to exercise BaseEspBackend (and the bench): every feature mapped.
import {
  AnymailStatus,
  BaseEspBackend,
  applyFeatures,
  defineEspFeatures,
  unsupported,
  type BaseEspBackendOptions,
  type EmailMessage,
  type EspRequest,
  type EspResponse,
  type PayloadContext,
} from '@anymail/core';

type Draft = Record<string, unknown>;

const features = defineEspFeatures<Draft>({
  from: (d, v) => (d.from = v[0]!.address),
  to: (d, v) => (d.to = v.map((a) => a.address)),
  cc: (d, v) => (d.cc = v.map((a) => a.address)),
  bcc: (d, v) => (d.bcc = v.map((a) => a.address)),
  replyTo: (d, v) => (d.replyTo = v.map((a) => a.address)),
  subject: (d, v) => (d.subject = v),
  headers: (d, v) => (d.headers = v),
  textBody: (d, v) => (d.text = v),
  htmlBody: (d, v) => (d.html = v),
  ampBody: (d, v) => (d.amp = v),
  alternatives: (_d, _v, context) => context.unsupported('alternatives'),
  attachments: (d, v) => (d.attachments = v.map((a) => ({ name: a.filename, type: a.mimetype }))),
  envelopeSender: (d, v) => (d.envelopeSender = v.addrSpec),
  metadata: (d, v) => (d.metadata = v),
  tags: (d, v) => (d.tags = v),
  trackClicks: (d, v) => (d.trackClicks = v),
  trackOpens: (d, v) => (d.trackOpens = v),
  sendAt: (d, v) => (d.sendAt = Math.floor(v.getTime() / 1000)),
  templateId: (d, v) => (d.templateId = v),
  mergeData: (d, v) => (d.mergeData = v),
  mergeGlobalData: (d, v) => (d.mergeGlobalData = v),
  mergeMetadata: (d, v) => (d.mergeMetadata = v),
  mergeHeaders: (d, v) => (d.mergeHeaders = v),
  espExtra: (d, v) => Object.assign(d, v),
});

export interface JsonEspBackendOptions extends BaseEspBackendOptions {
  apiUrl: string;
  espName?: string;
  /** Features to declare unsupported (for capability checks). */
  unsupportedFeatures?: readonly string[];
}

export class JsonEspBackend extends BaseEspBackend {
  readonly espName: string;
  readonly #apiUrl: string;
  protected override readonly featureTable;
  constructor(options: JsonEspBackendOptions) {
    super(options);
    this.espName = options.espName ?? 'JsonEsp';
    this.#apiUrl = options.apiUrl;
    const table: Record<string, unknown> = { ...features };
    for (const name of options.unsupportedFeatures ?? []) table[name] = unsupported;
    this.featureTable = table as typeof features;
    this.#table = this.featureTable;
  }
  readonly #table: typeof features;
  protected get apiUrl(): string {
    return this.#apiUrl;
  }
  protected buildRequest(_message: EmailMessage, context: PayloadContext): EspRequest {
    const draft = applyFeatures(this.#table, {} as Draft, context);
    return {
      method: 'POST',
      path: 'send',
      headers: { 'content-type': 'application/json', authorization: 'Bearer secret-key' },
      body: JSON.stringify(draft),
    };
  }
  protected parseResponse(response: EspResponse, _request: EspRequest, message: EmailMessage): AnymailStatus {
    const body = response.json() as { id?: unknown };
    if (typeof body.id !== 'string') throw new TypeError('no id');
    return AnymailStatus.forAll(message.recipientEmails(), 'queued', body.id, body);
  }
}
