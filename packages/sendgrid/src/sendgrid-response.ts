// SendGrid Mail Send responses → AnymailStatus. Success is 202 with an empty body and an
// X-Message-Id header; SendGrid returns no per-recipient result.
import { AnymailAPIError, AnymailStatus, recipientStatusMap, type EspRequest, type EspResponse, type ResponseHandler } from '@anymail/core/esp';
import { z } from 'zod';
import type { SendGridRequestContext } from './sendgrid-batch.js';

const errorItemSchema = z.looseObject({ message: z.string().nullish(), field: z.string().nullish() });
/** The error body (spec `ErrorResponse`); also what a 2xx body may hold, if anything. */
export const sendGridResponseSchema = z.looseObject({ errors: z.array(errorItemSchema).nullish(), id: z.string().nullish() });
export type SendGridResponseBody = z.infer<typeof sendGridResponseSchema>;

/** What `status.espResponse` holds for a SendGrid send. */
export interface SendGridEspResponse {
  statusCode: number;
  /** SendGrid's `X-Message-Id` header; webhook `sg_message_id`s start with it. */
  xMessageId: string | null;
  /** The parsed JSON body, or null for the usual empty body. */
  body: SendGridResponseBody | null;
}

function formatErrors(errors: NonNullable<SendGridResponseBody['errors']>): string[] {
  return errors.map((error) => {
    const message = error.message ?? '(no message)';
    return error.field && error.field !== 'null' ? `${error.field}: ${message}` : message;
  });
}

/** The messages of an error body (`field: message`), or [] when it is not SendGrid's error JSON. */
export function parseSendGridErrors(text: string): string[] {
  try {
    const parsed = sendGridResponseSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.errors ? formatErrors(parsed.data.errors) : [];
  } catch {
    return [];
  }
}

function badResponse(message: string, response: EspResponse): AnymailAPIError {
  return new AnymailAPIError(`SendGrid ${message} (HTTP ${response.statusCode})`, {
    code: 'ANYMAIL_BAD_RESPONSE',
    category: 'server',
    statusCode: response.statusCode,
    responseBody: response.text(),
    espName: 'SendGrid',
    deliveryUnknown: true,
  });
}

/** Every recipient `queued`, with its personalization's generated id (or the X-Message-Id). */
export function parseSendGridResponse(response: EspResponse, request: EspRequest<SendGridRequestContext> | EspRequest): AnymailStatus {
  let body: SendGridResponseBody | null = null;
  if (response.body.byteLength > 0 && response.text().trim() !== '') {
    const parsed = sendGridResponseSchema.safeParse(response.json());
    if (!parsed.success) throw badResponse('returned a success response Anymail could not read', response);
    body = parsed.data;
    if (body.errors && body.errors.length > 0) {
      throw new AnymailAPIError(`SendGrid API response ${response.statusCode}: ${formatErrors(body.errors).join('; ')}`, {
        category: 'invalid-request',
        statusCode: response.statusCode,
        responseBody: response.text(),
        espName: 'SendGrid',
        deliveryUnknown: false,
      });
    }
  }
  const xMessageId = response.headers['x-message-id'] ?? null;
  const context = request.context as SendGridRequestContext | undefined;
  const recipients = recipientStatusMap();
  for (const personalization of context?.personalizations ?? []) {
    const messageId = personalization.anymailId ?? xMessageId;
    for (const email of personalization.emails) recipients[email] = { status: 'queued', messageId };
  }
  const status = new AnymailStatus().setRecipientStatus(recipients);
  const espResponse: SendGridEspResponse = { statusCode: response.statusCode, xMessageId, body };
  status.espResponse = espResponse;
  return status;
}

/** The definition's response handler (SendGrid's 2xx body is usually empty, so not `jsonResponse`). */
export const sendGridResponse: ResponseHandler<SendGridRequestContext, unknown> = (response, request) => parseSendGridResponse(response, request);
