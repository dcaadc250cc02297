import { createHash, randomUUID } from 'node:crypto';
import { enableTestNetworkGuard } from '@anymail/core';
import type { FakeEspCall, FakeEspReply, FakeEspRoutes } from '@anymail/core/test';

/** How the fake Resend answers. */
export interface ResendFakeOptions {
  /** When set, any other Bearer key gets HTTP 403 `invalid_api_key` (no key at all: 401 `missing_api_key`). */
  apiKey?: string;
}

export interface ResendFakeAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Json = Record<string, unknown>;

/** Resend's documented most messages per `/emails/batch` request. */
const BATCH_MAX = 100;
/** Rate-limit headers on every answer, as the live API sends them (see the package's recorded fixtures). */
const RATE_LIMIT_HEADERS = { 'ratelimit-limit': '20', 'ratelimit-policy': '20;w=1', 'ratelimit-remaining': '19', 'ratelimit-reset': '1' };

const error = (status: number, name: string, message: string): ResendFakeAnswer => ({ status, body: { statusCode: status, message, name } });

/** Why Resend would refuse one email, or undefined when it would accept it. */
function problemWith(email: unknown, inBatch: boolean): ResendFakeAnswer | undefined {
  if (typeof email !== 'object' || email === null || Array.isArray(email)) return error(422, 'validation_error', 'Invalid request body.');
  const message = email as Json;
  for (const field of ['from', 'to'] as const) {
    if (message[field] === undefined) return error(422, 'missing_required_field', `Missing \`${field}\` field.`);
  }
  if (message.subject === undefined && message.template === undefined) return error(422, 'missing_required_field', 'Missing `subject` field.');
  const to = Array.isArray(message.to) ? message.to : [message.to];
  if (to.length > 50) return error(422, 'validation_error', 'Too many recipients: `to` takes at most 50 addresses.');
  if (inBatch && message.attachments !== undefined) return error(422, 'validation_error', 'Attachments are not supported in batch emails.');
  if (inBatch && message.scheduled_at !== undefined) return error(422, 'validation_error', 'Scheduling is not supported in batch emails.');
  return undefined;
}

/** A fake Resend's memory: idempotency keys it has seen. */
export interface ResendFakeState {
  idempotency: Map<string, { bodyHash: string; answer: ResendFakeAnswer }>;
}

export function createResendFakeState(): ResendFakeState {
  return { idempotency: new Map() };
}

/**
 * Answer one request the way Resend's email API does: `POST /emails` → `{id}`; `POST /emails/batch` →
 * `{data: [{id}]}`, where one bad entry fails the whole batch (422), unless `x-batch-validation: permissive`
 * asks for the valid ones to be created and the others listed in `errors: [{index, message}]`. An `Idempotency-Key` seen
 * before answers the first answer again, or 409 when the body differs.
 */
export function answerResend(
  path: string,
  headers: Record<string, string | undefined>,
  rawBody: string,
  options: ResendFakeOptions = {},
  state: ResendFakeState = createResendFakeState(),
): ResendFakeAnswer {
  const answer = answerOnce(path, headers, rawBody, options, state);
  return { ...answer, headers: { ...RATE_LIMIT_HEADERS, ...answer.headers } };
}

function answerOnce(path: string, headers: Record<string, string | undefined>, rawBody: string, options: ResendFakeOptions, state: ResendFakeState): ResendFakeAnswer {
  const key = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (!key) return error(401, 'missing_api_key', 'Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY');
  if (options.apiKey !== undefined && key !== options.apiKey) return error(403, 'invalid_api_key', 'API key is invalid');
  const route = path.replace(/^\/+|\/+$/g, '');
  if (route !== 'emails' && route !== 'emails/batch') return error(404, 'not_found', `The fake Resend has no route for ${path}`);
  const idempotencyKey = headers['idempotency-key'];
  const bodyHash = createHash('sha256').update(`${route}\n${rawBody}`).digest('hex');
  if (idempotencyKey !== undefined) {
    if (idempotencyKey === '' || idempotencyKey.length > 256) return error(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.');
    const seen = state.idempotency.get(idempotencyKey);
    if (seen) {
      return seen.bodyHash === bodyHash
        ? seen.answer
        : error(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.');
    }
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return error(422, 'validation_error', 'Invalid JSON body.');
  }
  let answer: ResendFakeAnswer;
  if (route === 'emails') {
    answer = problemWith(body, false) ?? { status: 200, body: { id: randomUUID() } };
  } else if (!Array.isArray(body)) {
    answer = error(422, 'validation_error', 'The batch body must be an array of emails.');
  } else if (body.length === 0 || body.length > BATCH_MAX) {
    answer = error(422, 'validation_error', `A batch holds 1 to ${BATCH_MAX} emails.`);
  } else {
    const problems = body.map((email) => problemWith(email, true));
    if (headers['x-batch-validation'] === 'permissive') {
      // Valid emails are created (ids in request order); the others are listed by index.
      const errors = problems.flatMap((problem, index) => (problem ? [{ index, message: (problem.body as { message: string }).message }] : []));
      const data = problems.flatMap((problem) => (problem ? [] : [{ id: randomUUID() }]));
      answer = { status: 200, body: errors.length > 0 ? { data, errors } : { data } };
    } else {
      answer = problems.find((problem) => problem !== undefined) ?? { status: 200, body: { data: body.map(() => ({ id: randomUUID() })) } };
    }
  }
  if (idempotencyKey !== undefined && answer.status === 200) state.idempotency.set(idempotencyKey, { bodyHash, answer });
  return answer;
}

/** Routes for `startFakeEsp` (from `@anymail/core/test`) that act as Resend's email API. */
export function resendFakeRoutes(options: ResendFakeOptions = {}): FakeEspRoutes {
  enableTestNetworkGuard('resendFakeRoutes() from @anymail/resend/test');
  const state = createResendFakeState();
  const route = (call: FakeEspCall): FakeEspReply => {
    const answer = answerResend(call.path, call.headers, call.text(), options, state);
    return { status: answer.status, body: answer.body as object, headers: answer.headers ?? {} };
  };
  return { 'POST /emails': route, 'POST /emails/batch': route };
}
