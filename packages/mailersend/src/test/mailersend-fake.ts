import { randomBytes } from 'node:crypto';
import { enableTestNetworkGuard } from '@anymail/core';
import type { FakeEspCall, FakeEspReply, FakeEspRoutes } from '@anymail/core/test';
import { mailerSendRequestErrors } from './mailersend-request-schema.js';

/** How the fake MailerSend answers. */
export interface MailerSendFakeOptions {
  /** Addresses on the suppression list: answered with MailerSend's SOME_/ALL_SUPPRESSED warnings. */
  suppressed?: readonly string[];
  /** When set, any other bearer token gets HTTP 401. */
  apiToken?: string;
  /** The fake's clock, for the 72-hour `send_at` horizon. @default Date.now */
  now?: () => number;
}

/** One answer, independent of the HTTP library (node:http fake or msw). */
export interface MailerSendFakeAnswer {
  status: number;
  headers: Record<string, string>;
  /** undefined = empty body (MailerSend's plain 202). */
  body: unknown;
}

type Json = Record<string, unknown>;
const JSON_TYPE = { 'content-type': 'application/json' };
const QUOTA = { 'x-apiquota-remaining': '-1', 'x-apiquota-reset': '2099-01-01T00:00:00Z' };
const newId = () => randomBytes(12).toString('hex');

/** MailerSend's 422: the first problem as `message` (with "(and N more errors)"), all of them in `errors`. */
function validationError(errors: Record<string, string[]>): MailerSendFakeAnswer {
  const all = Object.values(errors).flat();
  const more = all.length > 1 ? ` (and ${all.length - 1} more error${all.length > 2 ? 's' : ''})` : '';
  return { status: 422, headers: { ...JSON_TYPE, ...QUOTA }, body: { message: `${all[0]}${more}`, errors } };
}

function recipients(message: Json): string[] {
  return ['to', 'cc', 'bcc'].flatMap((field) =>
    Array.isArray(message[field]) ? (message[field] as Json[]).map((entry) => String(entry?.email ?? '').toLowerCase()) : [],
  );
}

/**
 * A stateful fake of MailerSend's email API: `POST email` (202, `x-message-id`; 422 with
 * `errors` for a body MailerSend's docs refuse; suppression warnings), `POST bulk-email`
 * (202 with a `bulk_email_id`: validation happens later) and `GET bulk-email/{id}`.
 */
export function createMailerSendFake(options: MailerSendFakeOptions = {}) {
  const suppressed = new Set((options.suppressed ?? []).map((address) => address.toLowerCase()));
  const bulks = new Map<string, unknown[]>();

  function sendOne(body: unknown): MailerSendFakeAnswer {
    const errors = mailerSendRequestErrors(body, (options.now ?? Date.now)());
    if (Object.keys(errors).length > 0) return validationError(errors);
    const all = recipients(body as Json);
    const refused = all.filter((address) => suppressed.has(address));
    if (refused.length === 0) return { status: 202, headers: { 'content-type': 'text/html; charset=UTF-8', ...QUOTA, 'x-message-id': newId() }, body: undefined };
    const type = refused.length === all.length ? 'ALL_SUPPRESSED' : 'SOME_SUPPRESSED';
    const warning = {
      type,
      warning: type === 'ALL_SUPPRESSED' ? 'All of the recipients provided have been suppressed.' : 'Some of the recipients have been suppressed.',
      recipients: refused.map((address) => ({ email: address, name: null, reasons: ['hard_bounced'] })),
    };
    return {
      status: 202,
      headers: { ...JSON_TYPE, ...QUOTA, ...(type === 'SOME_SUPPRESSED' ? { 'x-message-id': newId() } : {}) },
      body: { message: 'There are some warnings for your request.', warnings: [warning] },
    };
  }

  function answer(method: string, path: string, headers: Record<string, string | undefined>, body: () => unknown): MailerSendFakeAnswer {
    const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (!token || (options.apiToken !== undefined && token !== options.apiToken)) {
      return { status: 401, headers: JSON_TYPE, body: { message: 'Unauthenticated.' } };
    }
    const route = path.replace(/^\/+|\/+$/g, '').replace(/^v1\//, '');
    let parsed: unknown;
    if (method === 'POST') {
      try {
        parsed = body();
      } catch {
        return { status: 400, headers: JSON_TYPE, body: { message: 'The request body is not valid JSON.' } };
      }
    }
    if (method === 'POST' && route === 'email') return sendOne(parsed);
    if (method === 'POST' && route === 'bulk-email') {
      if (!Array.isArray(parsed)) return validationError({ body: ['The bulk email must be an array of email objects.'] });
      const id = newId();
      bulks.set(id, parsed);
      return { status: 202, headers: { ...JSON_TYPE, ...QUOTA }, body: { message: 'The bulk email is being processed.', bulk_email_id: id } };
    }
    const status = /^bulk-email\/([0-9a-f]+)$/.exec(route);
    if (method === 'GET' && status) {
      const messages = bulks.get(status[1]!);
      if (!messages) return { status: 404, headers: JSON_TYPE, body: { message: 'Resource not found.' } };
      const validation: Record<string, string[]> = {};
      messages.forEach((message, index) => {
        for (const [field, problems] of Object.entries(mailerSendRequestErrors(message, (options.now ?? Date.now)()))) validation[`message.${index}.${field}`] = problems;
      });
      const count = Object.keys(validation).length;
      return {
        status: 200,
        headers: JSON_TYPE,
        body: {
          data: {
            id: status[1],
            state: 'completed',
            total_recipients_count: messages.reduce<number>((sum, message) => sum + recipients((message ?? {}) as Json).length, 0),
            suppressed_recipients_count: 0,
            suppressed_recipients: null,
            validation_errors_count: count,
            validation_errors: count > 0 ? validation : null,
            messages_id: messages.map(() => newId()),
          },
        },
      };
    }
    return { status: 404, headers: JSON_TYPE, body: { message: `The fake MailerSend has no route for ${method} ${path}` } };
  }
  return { answer };
}

/** Routes for `startFakeEsp` (from `@anymail/core/test`) that act as MailerSend's email API (with or without the `/v1` prefix). */
export function mailerSendFakeRoutes(options: MailerSendFakeOptions = {}): FakeEspRoutes {
  enableTestNetworkGuard('mailerSendFakeRoutes() from @anymail/mailersend/test');
  const fake = createMailerSendFake(options);
  const route = (call: FakeEspCall): FakeEspReply => {
    const result = fake.answer(call.method, call.path, call.headers, () => call.json());
    return { status: result.status, headers: result.headers, body: result.body === undefined ? '' : (result.body as object) };
  };
  // One route for every path (email, bulk-email, bulk-email/{id}, with or without /v1): a test may
  // still override one path with setRoute('POST /email', …).
  return { '*': route };
}
