import { classifyHttpStatus, jsonErrors, type FailureCategory } from '@anymail/core/esp';
import { z } from 'zod';

/**
 * Mailjet Send API v3.1 `ErrorCode` → failure category, from the error table of Mailjet's Send API
 * guide ("Send API errors", https://dev.mailjet.com/email/guides/send-api-v31/#send-api-errors).
 * Problems with this account, key or sender validation are `auth`: a person must fix them, and
 * another ESP may still send. Problems with the message itself are `invalid-request`.
 */
export const MAILJET_ERROR_CATEGORIES: Readonly<Record<string, FailureCategory>> = {
  'send-0003': 'invalid-request', // none of HTMLPart, TextPart, TemplateID
  'send-0004': 'invalid-request', // HTMLPart given and the template has an HTML part too
  'send-0006': 'auth', // the API key may not use a Sender header (ask Mailjet support)
  'send-0007': 'auth', // SenderID given but not validated
  'send-0008': 'auth', // the From address is not an authorized sender of this account
  'send-0010': 'invalid-request', // the API key cannot send this template (another owner)
  'send-0011': 'invalid-request', // a header that has its own property was set in Headers
  'send-0012': 'invalid-request', // DeduplicateCampaign without CustomCampaign
  'send-0015': 'invalid-request', // too many recipients
  'send-0016': 'invalid-request', // TemplateErrorReporting/Deliver without TemplateLanguage
  'mj-0001': 'auth', // API key suspended
  'mj-0002': 'invalid-request', // malformed JSON
  'mj-0003': 'invalid-request', // mandatory property missing or null
  'mj-0004': 'invalid-request', // type mismatch
  'mj-0005': 'invalid-request', // value not allowed
  'mj-0006': 'invalid-request', // too long
  'mj-0007': 'invalid-request', // empty array
  'mj-0008': 'invalid-request', // too many elements (50 at most: Messages, Attachments, Headers, Variables…)
  'mj-0011': 'invalid-request', // payload too large
  'mj-0012': 'invalid-request', // empty string
  'mj-0013': 'invalid-request', // invalid email address
  'mj-0015': 'auth', // no valid credentials
};

/** The category of a Mailjet `ErrorCode`; unknown codes fall back to the HTTP status's category. */
export function mailjetErrorCategory(errorCode: string | undefined, fallback: FailureCategory): FailureCategory {
  return (errorCode !== undefined && Object.hasOwn(MAILJET_ERROR_CATEGORIES, errorCode) ? MAILJET_ERROR_CATEGORIES[errorCode] : undefined) ?? fallback;
}

/** A stable Anymail error code for a Mailjet `ErrorCode`, e.g. `MAILJET_SEND_0008`. */
export function mailjetErrorCode(errorCode: string): string {
  return `MAILJET_${errorCode.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/** One error as Mailjet words it (inside a failed message, or alone for a request-level error). */
export const mailjetErrorSchema = z.object({
  ErrorIdentifier: z.string().nullish(),
  ErrorCode: z.string().nullish(),
  StatusCode: z.number().int().nullish(),
  ErrorMessage: z.string().nullish(),
  ErrorRelatedTo: z.array(z.string()).nullish(),
});
export type MailjetError = z.infer<typeof mailjetErrorSchema>;

/**
 * An error answer's body: a request-level error `{ErrorIdentifier, ErrorCode, ErrorMessage, StatusCode}`
 * (mj-0002 malformed JSON, mj-0015 bad credentials…), or `{Messages: [...]}` when some messages failed.
 */
export const mailjetErrorBodySchema = z.union([
  z.object({ Messages: z.array(z.unknown()) }),
  mailjetErrorSchema.refine((error) => typeof error.ErrorCode === 'string' || typeof error.ErrorMessage === 'string', {
    message: 'neither ErrorCode nor ErrorMessage',
  }),
]);

/**
 * The most telling category of one message's errors: `auth` beats `invalid-request` (a sender that
 * is not validated makes the whole message fail whatever else is wrong with it).
 */
export function categoryOfErrors(errors: readonly MailjetError[], fallback: FailureCategory): FailureCategory {
  const categories = errors.map((error) => mailjetErrorCategory(error.ErrorCode ?? undefined, fallback));
  return categories.find((category) => category === 'auth') ?? categories[0] ?? fallback;
}

/** `send-0008 (From): "x" is not an authorized sender…; mj-0013 (To[0].Email): …` — codes, fields and messages. */
export function describeErrors(errors: readonly MailjetError[]): string {
  if (errors.length === 0) return 'no error details';
  return errors
    .map((error) => {
      const related = error.ErrorRelatedTo && error.ErrorRelatedTo.length > 0 ? ` (${error.ErrorRelatedTo.join(', ')})` : '';
      const identifier = error.ErrorIdentifier ? ` [ErrorIdentifier ${error.ErrorIdentifier}]` : '';
      return `${error.ErrorCode ?? 'error'}${related}: ${error.ErrorMessage ?? 'no message'}${identifier}`;
    })
    .join('; ');
}

/**
 * Error answers. Mailjet answers HTTP 400 (or the failed message's own status, e.g. 403) when **any**
 * message of a request failed, although the others were sent: such an answer (`{Messages: [...]}`)
 * is accepted and read message by message like a 200 (see mailjet-response.ts). A request-level error
 * fails the whole request with Mailjet's code, message and category. Mailjet gives no retry delay on
 * 429 (https://dev.mailjet.com/email/reference/overview/rate-limits/), so `Retry-After` is all there is.
 */
export const mailjetErrors = jsonErrors(
  mailjetErrorBodySchema,
  (body, response) => {
    if ('Messages' in body) return undefined;
    const code = body.ErrorCode ?? undefined;
    return {
      message: describeErrors([body]),
      category: mailjetErrorCategory(code, classifyHttpStatus(response.statusCode)),
      ...(code ? { code: mailjetErrorCode(code) } : {}),
    };
  },
  { largeIntegers: 'string', accept: (body) => 'Messages' in body && body.Messages.length > 0 },
);
