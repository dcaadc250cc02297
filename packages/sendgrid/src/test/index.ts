// Fake SendGrid for tests: loopback routes for `startFakeEsp` (@anymail/core/test) and msw
// handlers (for a backend given `fetch`). Replies follow SendGrid's Mail Send API: 202 with an
// empty body and an X-Message-Id header, or `{"errors":[{"message","field"}]}`.
import { randomBytes } from 'node:crypto';
import type { FakeEspCall, FakeEspReply, FakeEspRoutes } from '@anymail/core/test';
import { enableTestNetworkGuard } from '@anymail/core';
import type { HttpHandler } from 'msw';
import { SENDGRID_API_URL } from '../sendgrid-options.js';

/** An id shaped like SendGrid's X-Message-Id (22 URL-safe characters). */
export function fakeSendGridMessageId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

/** SendGrid's 202 Accepted. */
export function sendGridAccepted(messageId = fakeSendGridMessageId()): FakeEspReply {
  return { status: 202, headers: { 'x-message-id': messageId }, body: '' };
}

/** A SendGrid error reply, e.g. `sendGridError(400, [{ field: 'from.email', message: '…' }])`. */
export function sendGridError(status: number, errors: Array<{ message: string; field?: string | null }>, headers: Record<string, string> = {}): FakeEspReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: { errors: errors.map((e) => ({ field: null, ...e })) } };
}

export interface SendGridFakeOptions {
  /** Path prefix of the API base URL given to the backend. @default '/v3/' */
  basePath?: string;
  /** Check each request body; return problems to answer 400 with them (as SendGrid would). */
  validate?: (body: unknown, call: FakeEspCall) => string[];
}

/** Routes for `startFakeEsp`: `POST <basePath>mail/send` answers 202 (or 400/401 for bad requests). */
export function sendGridFakeRoutes(options: SendGridFakeOptions = {}): FakeEspRoutes {
  enableTestNetworkGuard('sendGridFakeRoutes() from @anymail/sendgrid/test');
  const basePath = options.basePath ?? '/v3/';
  return {
    [`POST ${basePath}mail/send`]: (call) => {
      if (!/^Bearer \S+$/.test(call.headers.authorization ?? '')) {
        return sendGridError(401, [{ message: 'The provided authorization grant is invalid, expired, or revoked' }]);
      }
      let body: unknown;
      try {
        body = call.json();
      } catch {
        return sendGridError(400, [{ message: 'Bad Request', field: null }]);
      }
      const problems = options.validate?.(body, call) ?? [];
      if (problems.length > 0) return sendGridError(400, problems.map((message) => ({ message })));
      return sendGridAccepted();
    },
  };
}

/**
 * msw handlers answering SendGrid's Mail Send with 202 (use with the backend's `fetch` option).
 * msw is loaded here, on first use, so the rest of `@anymail/sendgrid/test` works without it.
 * Turns on the test-mode network guard (see `enableTestNetworkGuard` in `@anymail/core`).
 */
export async function sendGridMswHandlers(options: { apiUrl?: string; messageId?: string } = {}): Promise<HttpHandler[]> {
  enableTestNetworkGuard('sendGridMswHandlers() from @anymail/sendgrid/test');
  const { http, HttpResponse } = await import('msw');
  const apiUrl = options.apiUrl ?? SENDGRID_API_URL;
  return [
    http.post(new URL('mail/send', apiUrl).href, ({ request }) => {
      if (!request.headers.get('authorization')?.startsWith('Bearer ')) {
        return HttpResponse.json({ errors: [{ field: null, message: 'authorization required' }] }, { status: 401 });
      }
      return new HttpResponse(null, { status: 202, headers: { 'x-message-id': options.messageId ?? fakeSendGridMessageId() } });
    }),
  ];
}
