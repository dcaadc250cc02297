import { randomUUID } from 'node:crypto';
import { enableTestNetworkGuard } from '@anymail/core';
import type { FakeEspCall, FakeEspReply, FakeEspRoutes } from '@anymail/core/test';

/** How the fake SES answers. */
export interface SesFakeOptions {
  /** Bulk entries to these addresses fail with `MESSAGE_REJECTED`. */
  rejected?: readonly string[];
  /** When set, a request signed with another access key id gets HTTP 403 UnrecognizedClientException. */
  accessKeyId?: string;
}

export interface SesFakeAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

type Json = Record<string, unknown>;

const ADDRESS = /[^\s<>,"']+@[^\s<>,"']+/;

function error(status: number, type: string, message: string): SesFakeAnswer {
  return { status, headers: { 'x-amzn-errortype': type, 'content-type': 'application/json' }, body: { message } };
}

const ok = (body: unknown): SesFakeAnswer => ({ status: 200, headers: { 'content-type': 'application/json' }, body });

/** A message id shaped like SES's. */
export function sesMessageId(): string {
  return `0100018c-${randomUUID()}-000000`;
}

/**
 * Answer one request the way SES v2 does (restJson1; error name in `x-amzn-ErrorType`):
 * SendEmail → `{MessageId}`, SendBulkEmail → one `BulkEmailEntryResults` item per entry.
 * Only the presence of a SigV4 Authorization header (and its access key id) is checked.
 */
export function answerSes(path: string, headers: Record<string, string | undefined>, body: unknown, options: SesFakeOptions = {}): SesFakeAnswer {
  const authorization = headers.authorization ?? '';
  if (!authorization.startsWith('AWS4-HMAC-SHA256 Credential=')) return error(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  if (options.accessKeyId !== undefined && !authorization.startsWith(`AWS4-HMAC-SHA256 Credential=${options.accessKeyId}/`)) {
    return error(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return error(400, 'SerializationException', 'Start of structure or map found where not expected.');
  const request = body as Json;
  const route = path.replace(/^\/+|\/+$/g, '');
  if (route === 'v2/email/outbound-emails') {
    const content = request.Content as Json | undefined;
    if (!content || (!content.Raw && !content.Simple && !content.Template)) return error(400, 'BadRequestException', 'Content is required.');
    return ok({ MessageId: sesMessageId() });
  }
  if (route === 'v2/email/outbound-bulk-emails') {
    const entries = request.BulkEmailEntries;
    if (!Array.isArray(entries) || entries.length === 0) return error(400, 'BadRequestException', 'BulkEmailEntries is required.');
    if (entries.length > 50) return error(400, 'BadRequestException', 'Too many bulk email entries (maximum 50).');
    const rejected = new Set((options.rejected ?? []).map((address) => address.toLowerCase()));
    const results = entries.map((entry: Json) => {
      const to = ((entry.Destination as Json | undefined)?.ToAddresses as string[] | undefined) ?? [];
      const address = (to[0]?.match(ADDRESS)?.[0] ?? '').toLowerCase();
      if (rejected.has(address)) return { Status: 'MESSAGE_REJECTED', Error: 'Email address is on the suppression list.' };
      return { Status: 'SUCCESS', MessageId: sesMessageId() };
    });
    return ok({ BulkEmailEntryResults: results });
  }
  return { status: 404, headers: { 'content-type': 'text/xml' }, body: '<UnknownOperationException/>' };
}

/** Routes for `startFakeEsp` that act as the SES v2 send API (point `endpoint` at the fake's url). */
export function sesFakeRoutes(options: SesFakeOptions = {}): FakeEspRoutes {
  enableTestNetworkGuard('sesFakeRoutes() from @anymail/ses/test');
  const route = (call: FakeEspCall): FakeEspReply => {
    let body: unknown;
    try {
      body = call.json();
    } catch {
      body = undefined;
    }
    const answer = answerSes(call.path, call.headers, body, options);
    return { status: answer.status, headers: answer.headers, body: answer.body as object };
  };
  return { 'POST /v2/email/outbound-emails': route, 'POST /v2/email/outbound-bulk-emails': route };
}
