import {
  BaseEspBackend,
  classifyHttpStatus,
  type AnymailStatus,
  type CombinedSend,
  type EmailMessage,
  type ErrorDescription,
  type EspRequest,
  type EspResponse,
  type PayloadContext,
  type FeatureSupportTable,
} from '@anymail/core';
import { postmarkCombinedSend } from './postmark-batch.js';
import { postmarkErrorCategory, postmarkErrorCode } from './postmark-errors.js';
import { resolvePostmarkOptions, type PostmarkBackendOptions, type ResolvedPostmarkOptions } from './postmark-options.js';
import { buildPostmarkRequest, postmarkFeatures, type PostmarkRequestContext } from './postmark-payload.js';
import {
  invalidRecipientField,
  postmarkResultSchema,
  readBatchResults,
  readPostmarkBody,
  statusFromResults,
  type PostmarkResult,
} from './postmark-response.js';

/** The `{ErrorCode, Message}` of an error body, or undefined when it has none. */
function errorBody(response: EspResponse): PostmarkResult | undefined {
  try {
    const parsed = postmarkResultSchema.safeParse(response.json());
    return parsed.success && typeof parsed.data.ErrorCode === 'number' ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends through Postmark's email API (https://postmarkapp.com/developer/api/email-api):
 * `email`, `email/withTemplate`, and, for per-recipient (merge) sends and `sendMessages` of
 * several messages, `email/batch` and `email/batchWithTemplates`.
 */
export class PostmarkBackend extends BaseEspBackend {
  readonly espName = 'Postmark';
  protected override readonly featureTable: FeatureSupportTable = postmarkFeatures;
  readonly messageStream: string | undefined;
  readonly #settings: ResolvedPostmarkOptions;
  protected override readonly combinedSend: CombinedSend;

  constructor(options: PostmarkBackendOptions = {}) {
    const settings = resolvePostmarkOptions(options);
    super(settings.base);
    this.#settings = settings;
    this.messageStream = this.#settings.messageStream;
    this.combinedSend = postmarkCombinedSend(this.#settings.serverToken);
  }

  protected get apiUrl(): string {
    return this.#settings.apiUrl;
  }

  protected buildRequest(message: EmailMessage, context: PayloadContext): EspRequest | Promise<EspRequest> {
    return buildPostmarkRequest(message, context, {
      serverToken: this.#settings.serverToken,
      messageStream: this.#settings.messageStream,
    });
  }

  /**
   * Postmark answers HTTP 422 for a refused message. Two of its ErrorCodes are about the
   * recipients and become statuses (and so AnymailRecipientsRefused when every recipient is
   * refused): 406 inactive recipients, and 300 naming a To/Cc/Bcc address.
   */
  protected override isSuccess(response: EspResponse): boolean {
    if (response.statusCode >= 200 && response.statusCode < 300) return true;
    if (response.statusCode !== 422) return false;
    const body = errorBody(response);
    if (!body) return false;
    return body.ErrorCode === 406 || (body.ErrorCode === 300 && invalidRecipientField(body.Message ?? '') !== undefined);
  }

  protected override describeError(response: EspResponse): ErrorDescription | undefined {
    const body = errorBody(response);
    if (!body) return undefined;
    const code = body.ErrorCode!;
    return {
      message: `${body.Message ?? '(no message)'} (ErrorCode ${code})`,
      category: postmarkErrorCategory(code, classifyHttpStatus(response.statusCode)),
      code: postmarkErrorCode(code),
    };
  }

  protected parseResponse(response: EspResponse, request: EspRequest): AnymailStatus {
    const context = request.context as PostmarkRequestContext;
    if (context.endpoint === 'email/batch' || context.endpoint === 'email/batchWithTemplates') {
      const results = readBatchResults(response);
      return statusFromResults(results, context.messages, response, results);
    }
    const result = readPostmarkBody(response, postmarkResultSchema, 'an answer');
    return statusFromResults([result], context.messages, response, result);
  }
}
