import { classifyHttpStatus, jsonErrors, type FailureCategory } from '@anymail/core/esp';
import { z } from 'zod';

/** An error answer's body. */
export const postmarkErrorSchema = z.object({ ErrorCode: z.number().int(), Message: z.string().nullish() });

/**
 * Postmark API `ErrorCode` → failure category, from Postmark's error-code table
 * (https://postmarkapp.com/developer/api/overview#error-codes). Problems with this server,
 * account or token are `auth`: a person must fix them, and another ESP may still send.
 * Problems with the message itself are `invalid-request`: every ESP would refuse it.
 */
export const POSTMARK_ERROR_CATEGORIES: Readonly<Record<number, FailureCategory>> = {
  10: 'auth', // Bad or missing API token
  100: 'server', // Maintenance
  300: 'invalid-request', // Invalid email request
  400: 'auth', // Sender signature not found
  401: 'auth', // Sender signature not confirmed
  402: 'invalid-request', // Invalid JSON
  403: 'invalid-request', // Incompatible JSON (unknown or invalid field)
  405: 'auth', // Not allowed to send (account out of credits, server paused)
  406: 'recipients-refused', // Inactive recipient
  409: 'invalid-request', // JSON required
  410: 'invalid-request', // Too many batch messages
  411: 'invalid-request', // Forbidden attachment type
  412: 'auth', // Account is pending approval
  413: 'auth', // Account may not send
  422: 'auth', // Invalid server or account
  429: 'rate-limit', // Rate limit exceeded
  1101: 'invalid-request', // Template not found or not valid
  1109: 'invalid-request', // Template data missing
  1120: 'invalid-request', // TemplateModel missing or invalid
  1122: 'invalid-request', // Reserved TemplateModel key
  1123: 'invalid-request', // Templated and non-templated messages mixed
  1235: 'invalid-request', // MessageStream does not exist on this server
  1236: 'invalid-request', // The stream type cannot send
  1480: 'auth', // Sending IP address not allowed for this server
};

/** The category of a Postmark `ErrorCode`; unknown codes fall back to the HTTP status's category. */
export function postmarkErrorCategory(errorCode: number, fallback: FailureCategory): FailureCategory {
  return POSTMARK_ERROR_CATEGORIES[errorCode] ?? fallback;
}

/** A stable Anymail error code for a Postmark `ErrorCode`, e.g. `POSTMARK_300`. */
export function postmarkErrorCode(errorCode: number): string {
  return `POSTMARK_${errorCode}`;
}

/**
 * For ErrorCode 300: the recipient field Postmark complains about and the addresses it quotes
 * (lower-cased, `<…>` unwrapped). Postmark's wordings include
 *   "Invalid 'To' address: 'test'."
 *   "Error parsing 'To': Illegal email domain 'example.com>' in address 'Jimmy Kenno <a@example.com>'"
 */
export function invalidRecipientField(message: string): { field: 'to' | 'cc' | 'bcc'; quoted: string[] } | undefined {
  const field = /'(To|Cc|Bcc)'/i.exec(message)?.[1]?.toLowerCase() as 'to' | 'cc' | 'bcc' | undefined;
  if (!field) return undefined;
  const quoted = [...message.matchAll(/'([^']*)'/g)].flatMap((match) => {
    const text = match[1]!.trim().toLowerCase();
    const angle = /<([^>]*)>/.exec(text)?.[1];
    return angle ? [text, angle] : [text];
  });
  return { field, quoted };
}

/**
 * Error answers: `{ErrorCode, Message}` → Postmark's message, category and code. Postmark answers
 * HTTP 422 for a refused message; two of its ErrorCodes are about the recipients and are read as
 * results (statuses, and so AnymailRecipientsRefused when every recipient is refused): 406
 * inactive recipients, and 300 naming a To/Cc/Bcc address.
 */
export const postmarkErrors = jsonErrors(
  postmarkErrorSchema,
  (body, response) => {
    const code = body.ErrorCode;
    return {
      message: `${body.Message ?? '(no message)'} (ErrorCode ${code})`,
      category: postmarkErrorCategory(code, classifyHttpStatus(response.statusCode)),
      code: postmarkErrorCode(code),
    };
  },
  {
    accept: (body, response) =>
      response.statusCode === 422 && (body.ErrorCode === 406 || (body.ErrorCode === 300 && invalidRecipientField(body.Message ?? '') !== undefined)),
  },
);
