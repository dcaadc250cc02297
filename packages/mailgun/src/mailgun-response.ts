import { AnymailAPIError, AnymailStatus, jsonResponse, type EspRequest, type EspResponse, type ResponseHandler } from '@anymail/core/esp';
import { z } from 'zod';
import { isWrongApiUrlBody, wrongApiUrlHint } from './mailgun-errors.js';
import type { MailgunSettings } from './mailgun-options.js';
import type { MailgunRequestContext } from './mailgun-payload.js';

/** 200 `{"id": "<20111114174239.25659.5817@samples.mailgun.org>", "message": "Queued. Thank you."}` (other keys kept). */
export const mailgunSendResponseSchema = z
  .object({
    id: z.string().min(1),
    message: z.string().nullish(),
  })
  .loose();

export type MailgunSendResponse = z.infer<typeof mailgunSendResponseSchema>;

/**
 * Every recipient is queued under the response's id, kept as Mailgun gives it: the Message-ID in
 * angle brackets, as Anymail does. Tracking events add the brackets when Mailgun omits them, so
 * a stored id matches its events.
 */
const readSendResponse = jsonResponse(mailgunSendResponseSchema, (body, _response, request: EspRequest<MailgunRequestContext>) =>
  AnymailStatus.forAll(request.context.recipients, 'queued', body.id, body),
);

/** The API's banner for a URL it has no route for, even with HTTP 200: a configuration error, not a send. */
function wrongApiUrlError(response: EspResponse, apiUrl: string): AnymailAPIError {
  return new AnymailAPIError(`Mailgun API response ${response.statusCode}: ${wrongApiUrlHint(apiUrl)}`, {
    code: 'MAILGUN_WRONG_API_URL',
    category: 'configuration',
    statusCode: response.statusCode,
    responseBody: response.text(),
    espName: 'Mailgun',
    deliveryUnknown: false,
  });
}

/** A 2xx answer → the status; the "Mailgun Magnificent API" banner → MAILGUN_WRONG_API_URL. */
export const mailgunResponse: ResponseHandler<MailgunRequestContext, MailgunSettings> = (response, request, settings) => {
  if (isWrongApiUrlBody(response.text())) throw wrongApiUrlError(response, settings.apiUrl);
  return readSendResponse(response, request, settings);
};
