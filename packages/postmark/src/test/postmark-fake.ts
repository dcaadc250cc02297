import { randomUUID } from 'node:crypto';
import { enableTestNetworkGuard } from '@anymail/core';
import type { FakeEspCall, FakeEspReply, FakeEspRoutes } from '@anymail/core/test';

/** How the fake Postmark answers. */
export interface PostmarkFakeOptions {
  /** Addresses on the suppression list: answered as Postmark answers inactive recipients. */
  inactive?: readonly string[];
  /** When set, any other X-Postmark-Server-Token gets HTTP 401 / ErrorCode 10. */
  serverToken?: string;
}

export interface PostmarkFakeAnswer {
  status: number;
  body: unknown;
}

type Json = Record<string, unknown>;

const ADDRESS = /[^\s<>,"']+@[^\s<>,"']+/g;

function addresses(message: Json): string[] {
  return ['To', 'Cc', 'Bcc'].flatMap((field) => (typeof message[field] === 'string' ? (message[field] as string).match(ADDRESS) ?? [] : []));
}

/** One message's result, as Postmark words it (see the package's test fixtures for sources). */
function resultFor(message: Json, inactive: ReadonlySet<string>): Json {
  const all = addresses(message);
  const refused = all.filter((address) => inactive.has(address.toLowerCase())).map((address) => address.toLowerCase());
  if (all.length === 0) return { ErrorCode: 300, Message: "Invalid 'To' address: ''." };
  if (refused.length === all.length) {
    return {
      ErrorCode: 406,
      Message:
        `You tried to send to a recipient that has been marked as inactive. Found inactive addresses: ${refused.join(', ')}. ` +
        'Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression. ',
    };
  }
  return {
    To: message.To,
    SubmittedAt: new Date().toISOString(),
    MessageID: randomUUID(),
    ErrorCode: 0,
    Message: refused.length > 0 ? `Message OK, but will not deliver to these inactive addresses: ${refused.join(', ')}.` : 'OK',
  };
}

/**
 * Answer one request the way Postmark's email API does: `email` and `email/withTemplate`
 * give one result (HTTP 422 when it is an error); `email/batch` and `email/batchWithTemplates`
 * give HTTP 200 with one result per message.
 */
export function answerPostmark(path: string, headers: Record<string, string | undefined>, body: unknown, options: PostmarkFakeOptions = {}): PostmarkFakeAnswer {
  const token = headers['x-postmark-server-token'];
  if (!token || (options.serverToken !== undefined && token !== options.serverToken)) {
    return { status: 401, body: { ErrorCode: 10, Message: 'The Server Token you provided in the X-Postmark-Server-Token request header was invalid.' } };
  }
  const inactive = new Set((options.inactive ?? []).map((address) => address.toLowerCase()));
  const route = path.replace(/^\/+|\/+$/g, '');
  if (route === 'email' || route === 'email/withTemplate') {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 422, body: { ErrorCode: 402, Message: 'Invalid JSON' } };
    const result = resultFor(body as Json, inactive);
    return { status: result.ErrorCode === 0 ? 200 : 422, body: result };
  }
  if (route === 'email/batch' || route === 'email/batchWithTemplates') {
    const messages = route === 'email/batch' ? body : (body as { Messages?: unknown } | null)?.Messages;
    if (!Array.isArray(messages)) return { status: 422, body: { ErrorCode: 402, Message: 'Invalid JSON' } };
    if (messages.length > 500) return { status: 422, body: { ErrorCode: 410, Message: 'You may only send up to 500 messages in a single batched request.' } };
    return { status: 200, body: messages.map((message) => resultFor(message as Json, inactive)) };
  }
  return { status: 404, body: { ErrorCode: 404, Message: `The fake Postmark has no route for ${path}` } };
}

/** Routes for `startFakeEsp` (from `@anymail/core/test`) that act as Postmark's email API. */
export function postmarkFakeRoutes(options: PostmarkFakeOptions = {}): FakeEspRoutes {
  enableTestNetworkGuard('postmarkFakeRoutes() from @anymail/postmark/test');
  const route = (call: FakeEspCall): FakeEspReply => {
    let body: unknown;
    try {
      body = call.json();
    } catch {
      return { status: 422, body: { ErrorCode: 402, Message: 'Invalid JSON' } };
    }
    const answer = answerPostmark(call.path, call.headers, body, options);
    return { status: answer.status, body: answer.body as object };
  };
  return {
    'POST /email': route,
    'POST /email/batch': route,
    'POST /email/withTemplate': route,
    'POST /email/batchWithTemplates': route,
  };
}
