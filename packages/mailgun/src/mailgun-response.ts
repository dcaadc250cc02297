import { AnymailAPIError, AnymailStatus, type EspRequest, type EspResponse } from '@anymail/core';
import { z } from 'zod';
import { isWrongApiUrlBody, wrongApiUrlHint } from './mailgun-errors.js';
import type { MailgunRequestContext } from './mailgun-payload.js';

/** 200 `{"id": "<20111114174239.25659.5817@samples.mailgun.org>", "message": "Queued. Thank you."}` */
export const mailgunSendResponseSchema = z.object({
  id: z.string().min(1),
  message: z.string().nullish(),
});

export type MailgunSendResponse = z.infer<typeof mailgunSendResponseSchema>;

/**
 * Every recipient is queued under the response's id, kept as Mailgun gives it: the Message-ID in
 * angle brackets, as Anymail does. Tracking events add the brackets when Mailgun omits them, so
 * a stored id matches its events.
 */
export function parseMailgunResponse(response: EspResponse, request: EspRequest, apiUrl: string): AnymailStatus {
  const text = response.text();
  if (isWrongApiUrlBody(text)) {
    throw new AnymailAPIError(`Mailgun API response ${response.statusCode}: ${wrongApiUrlHint(apiUrl)}`, {
      code: 'MAILGUN_WRONG_API_URL',
      category: 'configuration',
      statusCode: response.statusCode,
      responseBody: text,
      espName: 'Mailgun',
      deliveryUnknown: false,
    });
  }
  const body = response.json();
  const parsed = mailgunSendResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new AnymailAPIError(`Mailgun returned a send response without an id (HTTP ${response.statusCode}): ${text.slice(0, 300)}`, {
      code: 'ANYMAIL_BAD_RESPONSE',
      category: 'server',
      statusCode: response.statusCode,
      responseBody: text,
      espName: 'Mailgun',
      deliveryUnknown: true,
    });
  }
  const { recipients } = request.context as MailgunRequestContext;
  return AnymailStatus.forAll(recipients, 'queued', parsed.data.id, body);
}
