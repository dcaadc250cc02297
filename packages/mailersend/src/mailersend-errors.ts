import { classifyHttpStatus, jsonErrors, parseRetryAfter, type ErrorDescription, type EspResponse, type FailureCategory } from '@anymail/core/esp';
import { z } from 'zod';

/**
 * MailerSend's error body: `{"message": "… #MS42209", "errors": {"domain_id": ["…"]}}`. `errors`
 * appears on 422 validation errors only; 401/403/404/429 carry just `message`.
 * https://developers.mailersend.com/general.html#validation-errors
 */
export const mailerSendErrorSchema = z.looseObject({
  message: z.string().nullish(),
  errors: z.record(z.string(), z.array(z.string()).or(z.string())).nullish(),
});
export type MailerSendErrorBody = z.infer<typeof mailerSendErrorSchema>;

/**
 * MailerSend `#MSnnnnn` codes with a category of their own (others follow the HTTP status).
 * Quota and rate-limit codes [ESP-APIS.md §11, from developers.mailersend.com/general]:
 * #MS42901 = the account's daily API quota is used up, #MS42903 = too many requests per minute.
 */
export const MAILERSEND_ERROR_CATEGORIES: Readonly<Record<string, FailureCategory>> = {
  MS42901: 'rate-limit',
  MS42903: 'rate-limit',
};

/**
 * HTTP status → category, where MailerSend's use differs from the generic table:
 * 421 is MailerSend's "service isn't available, try again later" (maintenance), and 408 "an
 * error on our system" — both are the ESP's trouble, so retry or fail over.
 */
const STATUS_CATEGORIES: Readonly<Record<number, FailureCategory>> = { 408: 'server', 421: 'server' };

/**
 * 422 messages that are about this account or token rather than the message: another ESP could
 * send it (fail over), a person must fix MailerSend's settings. MailerSend words them as
 * "The from.email must be verified." and "The from.email domain must match the token's domain".
 */
const ACCOUNT_PROBLEM = /must be verified|not (?:been )?verified|domain (?:of|must match)|sending (?:is )?(?:paused|disabled)|account/i;

/** When the daily quota resets (x-apiquota-reset, ISO time) as ms from now; undefined when absent. */
export function quotaResetMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const reset = headers['x-apiquota-reset'];
  if (!reset) return undefined;
  const at = Date.parse(reset);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Flatten `errors` into "field: problem" lines. */
export function mailerSendErrorLines(body: MailerSendErrorBody): string[] {
  return Object.entries(body.errors ?? {}).flatMap(([field, problems]) =>
    (Array.isArray(problems) ? problems : [problems]).map((problem) => `${field}: ${problem}`),
  );
}

/**
 * Describe a MailerSend error answer: message (with the field errors), category from the
 * `#MS` code or the status, retry delay from `retry-after` (rate limit) or `x-apiquota-reset`
 * (daily quota, which is not worth retrying before it resets).
 */
export function describeMailerSendError(body: MailerSendErrorBody, response: Pick<EspResponse, 'statusCode' | 'headers'>): ErrorDescription {
  const text = body.message ?? '';
  const lines = mailerSendErrorLines(body);
  const msCode = /#(MS\d{5})/.exec(text)?.[1] ?? lines.map((line) => /#(MS\d{5})/.exec(line)?.[1]).find(Boolean);
  let category: FailureCategory = (msCode ? MAILERSEND_ERROR_CATEGORIES[msCode] : undefined) ?? STATUS_CATEGORIES[response.statusCode] ?? classifyHttpStatus(response.statusCode);
  const senderProblems = lines.filter((line) => line.startsWith('from'));
  if (response.statusCode === 422 && senderProblems.some((line) => ACCOUNT_PROBLEM.test(line))) category = 'auth';
  const quota = msCode === 'MS42901' || /quota/i.test(text);
  const retryAfterMs =
    category === 'rate-limit'
      ? (quota ? quotaResetMs(response.headers) : undefined) ?? parseRetryAfter(response.headers['retry-after'])
      : undefined;
  const detail = [text, ...lines.filter((line) => !text.includes(line.slice(line.indexOf(': ') + 2)))].filter(Boolean).join('; ');
  return {
    ...(detail ? { message: detail } : {}),
    category,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    code: msCode ? `MAILERSEND_${msCode}` : `MAILERSEND_HTTP_${response.statusCode}`,
  };
}

/** Error answers → MailerSend's message (with its field errors), category, `MAILERSEND_MSnnnnn` code and retry delay. */
export const mailerSendErrors = jsonErrors(mailerSendErrorSchema, describeMailerSendError);
