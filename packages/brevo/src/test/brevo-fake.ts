import { randomBytes, randomUUID } from 'node:crypto';
import { enableTestNetworkGuard } from '@anymail/core';
import type { FakeEspCall, FakeEspReply, FakeEspRoutes } from '@anymail/core/test';

/** How the fake Brevo answers. */
export interface BrevoFakeOptions {
  /** When set, any other `api-key` gets HTTP 401 `unauthorized` (any non-empty key passes otherwise). */
  apiKey?: string;
  /** Path prefix of the API base URL given to the backend. @default '/v3/' */
  basePath?: string;
  /** Check each request body; return problems to answer 400 `invalid_parameter` with them (as Brevo would). */
  validate?: (body: unknown, call: FakeEspCall) => string[];
}

export interface BrevoFakeAnswer {
  status: number;
  body: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** A message id shaped like Brevo's (`<digits.digits@smtp-relay.mailin.fr>`). */
export function fakeBrevoMessageId(): string {
  return `<${Date.now()}.${randomBytes(6).readUIntBE(0, 6)}@smtp-relay.mailin.fr>`;
}

const error = (status: number, code: string, message: string): BrevoFakeAnswer => ({ status, body: { code, message } });

/**
 * Answer one `POST /v3/smtp/email` the way Brevo does: 201 `{messageId}` (one message) or
 * `{messageIds}` (one per `messageVersions` entry), 202 with a `batchId` when `scheduledAt` is
 * set, 400 `{code, message}` for a body Brevo would refuse, 401 for a missing or wrong api-key.
 */
export function answerBrevo(
  headers: Record<string, string | undefined>,
  body: unknown,
  options: Pick<BrevoFakeOptions, 'apiKey'> = {},
  extraProblems: readonly string[] = [],
): BrevoFakeAnswer {
  const key = headers['api-key'];
  if (!key || (options.apiKey !== undefined && key !== options.apiKey)) return error(401, 'unauthorized', 'Key not found');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return error(400, 'bad_request', 'Input must be a JSON object');
  const request = body as Json;
  const versions = Array.isArray(request.messageVersions) ? (request.messageVersions as Json[]) : undefined;
  const problems: string[] = [];
  if (request.templateId === undefined) {
    if (request.sender === undefined) problems.push('sender is missing');
    if (request.subject === undefined && !versions?.every((version) => version.subject !== undefined)) problems.push('subject is missing');
    if (request.htmlContent === undefined && request.textContent === undefined) problems.push('htmlContent or textContent is missing');
  }
  if (versions === undefined && !(Array.isArray(request.to) && request.to.length > 0)) problems.push('to is missing');
  if (versions !== undefined) {
    const total = versions.reduce((sum, version) => sum + (Array.isArray(version.to) ? version.to.length : 0), 0);
    if (versions.some((version) => !Array.isArray(version.to) || version.to.length === 0 || version.to.length > 99)) {
      problems.push('messageVersions[].to must have 1 to 99 recipients');
    }
    if (total > 2000) problems.push('Total number of recipients in one request must not exceed 2000');
  }
  problems.push(...extraProblems);
  if (problems.length > 0) return error(400, problems.some((p) => p.includes('missing')) ? 'missing_parameter' : 'invalid_parameter', problems.join('; '));
  const ids = versions === undefined ? { messageId: fakeBrevoMessageId() } : { messageIds: versions.map(() => fakeBrevoMessageId()) };
  if (request.scheduledAt !== undefined) return { status: 202, body: { ...ids, batchId: typeof request.batchId === 'string' ? request.batchId : randomUUID() } };
  return { status: 201, body: ids };
}

/** Routes for `startFakeEsp` (from `@anymail/core/test`) that act as Brevo's `POST /v3/smtp/email`. */
export function brevoFakeRoutes(options: BrevoFakeOptions = {}): FakeEspRoutes {
  enableTestNetworkGuard('brevoFakeRoutes() from @anymail/brevo/test');
  const basePath = options.basePath ?? '/v3/';
  return {
    [`POST ${basePath}smtp/email`]: (call): FakeEspReply => {
      let body: unknown;
      try {
        body = call.json();
      } catch {
        return { status: 400, body: { code: 'bad_request', message: 'Input must be a valid JSON object' } };
      }
      const answer = answerBrevo(call.headers, body, options, options.validate?.(body, call) ?? []);
      return { status: answer.status, body: answer.body };
    },
  };
}
