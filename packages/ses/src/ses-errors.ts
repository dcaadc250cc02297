import { readJsonBody, type ErrorDescription, type ErrorHandler, type EspResponse, type FailureCategory } from '@anymail/core/esp';
import { z } from 'zod';

/**
 * AWS error names → failure category. SES v2 errors (Smithy model `SendEmail`/`SendBulkEmail`),
 * the AWS front end's auth and throttling errors. Account problems are `auth`: a person must fix
 * them and another ESP may still send. Problems with the message are `invalid-request`.
 */
export const SES_ERROR_CATEGORIES: Readonly<Record<string, FailureCategory>> = {
  TooManyRequestsException: 'rate-limit',
  Throttling: 'rate-limit',
  ThrottlingException: 'rate-limit',
  LimitExceededException: 'rate-limit',
  AccountSuspendedException: 'auth',
  SendingPausedException: 'auth',
  MailFromDomainNotVerifiedException: 'auth',
  UnrecognizedClientException: 'auth',
  InvalidSignatureException: 'auth',
  SignatureDoesNotMatch: 'auth',
  IncompleteSignature: 'auth',
  MissingAuthenticationToken: 'auth',
  MissingAuthenticationTokenException: 'auth',
  AccessDeniedException: 'auth',
  ExpiredTokenException: 'auth',
  InvalidClientTokenId: 'auth',
  MessageRejected: 'invalid-request',
  BadRequestException: 'invalid-request',
  NotFoundException: 'invalid-request',
  SerializationException: 'invalid-request',
  ValidationException: 'invalid-request',
  InternalServiceErrorException: 'server',
  InternalFailure: 'server',
  ServiceUnavailable: 'server',
};

const errorBodySchema = z.looseObject({
  __type: z.string().optional(),
  /** aws-ses-v2-local and some AWS front ends say `type`. */
  type: z.string().optional(),
  code: z.string().optional(),
  Code: z.string().optional(),
  message: z.string().optional(),
  Message: z.string().optional(),
});

/** `com.amazonaws.sesv2#BadRequestException` or `BadRequestException:http://…` → `BadRequestException`. */
export function awsErrorName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const name = raw.split(':')[0]!.split('#').pop()!.trim();
  return name || undefined;
}

type AwsErrorBody = z.infer<typeof errorBodySchema>;

/** The description from the error name (header or body) and message; undefined when there is neither. */
function describe(response: EspResponse, body: AwsErrorBody | undefined): ErrorDescription | undefined {
  const name = awsErrorName(response.headers['x-amzn-errortype']) ?? awsErrorName(body?.__type ?? body?.code ?? body?.Code ?? body?.type);
  const message = body?.message ?? body?.Message;
  if (name === undefined && message === undefined) return undefined;
  const description: ErrorDescription = { message: name ? `${name}: ${message ?? '(no message)'}` : message };
  const category = name !== undefined ? SES_ERROR_CATEGORIES[name] : undefined;
  if (category !== undefined) description.category = category;
  if (name !== undefined) description.code = `SES_${name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
  return description;
}

/** The error body when it is JSON of the expected shape; undefined for a front end's HTML or an empty body. */
function errorBody(response: EspResponse): AwsErrorBody | undefined {
  try {
    return readJsonBody(response, errorBodySchema);
  } catch {
    return undefined;
  }
}

/** The AWS error name and message of an error response (header `x-amzn-ErrorType`, body `__type`/`code`, `message`). */
export const describeSesError = (response: EspResponse): ErrorDescription | undefined => describe(response, errorBody(response));

/**
 * Error answers (restJson1): the AWS error name from the header `x-amzn-ErrorType`, else the
 * body's `__type` / `code` / `type`, and its `message`. AWS names the error in the header even
 * when the body is not JSON (a front end's HTML or an empty body), so that header is read then too.
 */
export const sesErrors: ErrorHandler = { describe: describeSesError };
