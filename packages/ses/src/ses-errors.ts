import type { ErrorDescription, EspResponse, FailureCategory } from '@anymail/core';
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

/** The AWS error name and message of an error response (header `x-amzn-ErrorType`, body `__type`/`code`, `message`). */
export function describeSesError(response: EspResponse): ErrorDescription | undefined {
  let body: z.infer<typeof errorBodySchema> | undefined;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(response.text()));
    body = parsed.success ? parsed.data : undefined;
  } catch {
    body = undefined;
  }
  const name = awsErrorName(response.headers['x-amzn-errortype']) ?? awsErrorName(body?.__type ?? body?.code ?? body?.Code ?? body?.type);
  const message = body?.message ?? body?.Message;
  if (name === undefined && message === undefined) return undefined;
  const description: ErrorDescription = { message: name ? `${name}: ${message ?? '(no message)'}` : message };
  const category = name !== undefined ? SES_ERROR_CATEGORIES[name] : undefined;
  if (category !== undefined) description.category = category;
  if (name !== undefined) description.code = `SES_${name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
  return description;
}
