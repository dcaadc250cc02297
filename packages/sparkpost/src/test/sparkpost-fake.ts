import { enableTestNetworkGuard } from '@anymail/core';
import type { FakeEspCall, FakeEspReply, FakeEspRoutes } from '@anymail/core/test';

/** How the fake SparkPost answers. */
export interface SparkPostFakeOptions {
  /** When set, any other `Authorization` header gets HTTP 401. */
  apiKey?: string;
  /**
   * Addresses on the account's suppression list. A transmission to one recipient that is suppressed
   * is refused inline (HTTP 400, code 1902), as SparkPost does; in a transmission to several, the
   * suppressed ones are accepted here and rejected later (a generation_rejection event), as SparkPost does.
   */
  suppressed?: readonly string[];
  /**
   * Write `results.id` as a bare JSON number instead of a string (both beyond 2^53), to check
   * that the backend reads ids without losing digits.
   */
  numericIds?: boolean;
}

export interface SparkPostFakeAnswer {
  status: number;
  /** The JSON text of the answer (ids beyond 2^53 may be bare numbers). */
  body: string;
}

type Json = Record<string, unknown>;

let nextId = 11668787484950529n; // SparkPost's own example id, above 2^53

const error = (status: number, message: string, code: string, description?: string): SparkPostFakeAnswer => ({
  status,
  body: JSON.stringify({ errors: [{ message, code, ...(description ? { description } : {}) }] }),
});

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function recipientEmail(recipient: unknown): string | undefined {
  if (!isObject(recipient)) return undefined;
  const address = recipient.address;
  if (typeof address === 'string') return address;
  return isObject(address) && typeof address.email === 'string' ? address.email : undefined;
}

/**
 * Answer one `POST /api/v1/transmissions` the way SparkPost does (wordings from SparkPost's API
 * reference and extended error codes; see the package's test/fixtures/SOURCES.md).
 */
export function answerSparkPost(headers: Record<string, string | undefined>, body: unknown, options: SparkPostFakeOptions = {}): SparkPostFakeAnswer {
  const authorization = headers.authorization;
  if (!authorization || (options.apiKey !== undefined && authorization !== options.apiKey)) {
    return { status: 401, body: JSON.stringify({ errors: [{ message: 'Unauthorized.' }] }) };
  }
  if (!isObject(body)) return error(400, 'invalid params', '1200', 'The request body must be a JSON object');
  const content = body.content;
  if (!isObject(content)) return error(422, 'required field is missing', '1400', 'content is a required field');
  if (content.template_id !== undefined && ['subject', 'text', 'html'].some((field) => field in content)) {
    return error(422, 'Invalid combination of fields', '1301', 'Both content object and template_id are specified');
  }
  if (content.template_id === undefined && content.ab_test_id === undefined && content.email_rfc822 === undefined) {
    if (content.from === undefined) return error(422, 'required field is missing', '1400', 'content.from is a required field');
    if (content.subject === undefined) return error(422, 'required field is missing', '1400', 'content.subject is a required field');
    if (content.text === undefined && content.html === undefined) {
      return error(422, 'required field is missing', '1400', 'At least one of text or html needs to exist in content');
    }
  }
  const recipients = body.recipients;
  if (isObject(recipients) && typeof recipients.list_id === 'string') return accepted(1, 0, [], options);
  if (!Array.isArray(recipients) || recipients.length === 0) {
    return error(422, 'required field is missing', '1400', 'recipients is a required field');
  }
  const suppressed = new Set((options.suppressed ?? []).map((address) => address.toLowerCase()));
  const emails = recipients.map(recipientEmail);
  if (emails.length === 1 && emails[0] !== undefined && suppressed.has(emails[0].toLowerCase())) {
    return error(400, 'Message generation rejected', '1902', 'recipient address suppressed due to customer policy');
  }
  const invalid = emails.filter((email) => email === undefined || !/^[^@\s]+@[^@\s]+$/.test(email));
  const rcptErrors = invalid.map(() => ({
    message: 'required field is missing',
    description: 'address.email is required for each recipient',
    code: '1400',
  }));
  return accepted(emails.length - invalid.length, invalid.length, rcptErrors, options);
}

function accepted(acceptedCount: number, rejected: number, rcptErrors: Json[], options: SparkPostFakeOptions): SparkPostFakeAnswer {
  const id = (nextId++).toString();
  const results = `{${rcptErrors.length > 0 ? `"rcpt_to_errors":${JSON.stringify(rcptErrors)},` : ''}"total_rejected_recipients":${rejected},"total_accepted_recipients":${acceptedCount},"id":${options.numericIds ? id : `"${id}"`}}`;
  const errors = rejected > 0 ? '"errors":[{"message":"transmission created, but with validation errors","code":"2000"}],' : '';
  return { status: 200, body: `{${errors}"results":${results}}` };
}

/** Routes for `startFakeEsp` (from `@anymail/core/test`) that act as SparkPost's Transmissions API. */
export function sparkPostFakeRoutes(options: SparkPostFakeOptions = {}): FakeEspRoutes {
  enableTestNetworkGuard('sparkPostFakeRoutes() from @anymail/sparkpost/test');
  const route = (call: FakeEspCall): FakeEspReply => {
    let body: unknown;
    try {
      body = call.json();
    } catch {
      const answer = error(400, 'invalid params', '1200', 'The request body is not valid JSON');
      return { status: answer.status, body: answer.body, headers: { 'content-type': 'application/json' } };
    }
    const answer = answerSparkPost(call.headers, body, options);
    return { status: answer.status, body: answer.body, headers: { 'content-type': 'application/json' } };
  };
  // The backend's apiUrl may be the fake's root or end in /api/v1/ as SparkPost's does.
  return {
    'POST /transmissions': route,
    'POST /transmissions/': route,
    'POST /api/v1/transmissions': route,
    'POST /api/v1/transmissions/': route,
  };
}
