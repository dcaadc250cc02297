import { randomUUID } from 'node:crypto';
import { enableTestNetworkGuard } from '@anymail/core';
import type { FakeEspCall, FakeEspReply, FakeEspRoutes } from '@anymail/core/test';

/** How the fake Mailjet answers. */
export interface MailjetFakeOptions {
  /** When both are set, any other basic-auth pair gets HTTP 401 / mj-0015. */
  apiKey?: string;
  secretKey?: string;
  /** From addresses that are not validated senders: their messages fail with send-0008 (403). */
  unauthorizedSenders?: readonly string[];
}

export interface MailjetFakeAnswer {
  status: number;
  /** JSON text: MessageID values are written as integers above 2^53, as Mailjet writes them. */
  body: string;
}

type Json = Record<string, unknown>;

/** Send API v3.1 limits (https://dev.mailjet.com/email/guides/send-api-v31/). */
const MAX_MESSAGES = 50;
const MAX_RECIPIENTS_PER_FIELD = 50;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
/** Mailjet's MessageIDs are above Number.MAX_SAFE_INTEGER; so are the fake's (the point: catch a rounding parser). */
let nextMessageId = 2n ** 53n + 1000n;

function mailjetError(code: string, statusCode: number, message: string, relatedTo?: string[]): Json {
  return { ErrorIdentifier: randomUUID(), ErrorCode: code, StatusCode: statusCode, ErrorMessage: message,
    ...(relatedTo ? { ErrorRelatedTo: relatedTo } : {}) };
}

/** One message's result, worded as Mailjet's Send API v3.1 guide shows it. */
function resultFor(message: unknown, index: number, sandbox: boolean, options: MailjetFakeOptions): Json {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { Status: 'error', Errors: [mailjetError('mj-0004', 400, 'Type mismatch. Expected type "object".', [`Messages[${index}]`])] };
  }
  const m = message as Json;
  const errors: Json[] = [];
  if (m.TextPart === undefined && m.HTMLPart === undefined && m.TemplateID === undefined) {
    errors.push(mailjetError('send-0003', 400, 'At least "HTMLPart", "TextPart" or "TemplateID" must be provided.', ['HTMLPart', 'TextPart']));
  }
  const from = (m.From as Json | undefined)?.Email;
  if (typeof from === 'string' && (options.unauthorizedSenders ?? []).some((s) => s.toLowerCase() === from.toLowerCase())) {
    errors.push(mailjetError('send-0008', 403, `"${from}" is not an authorized sender email address for your account.`, ['From']));
  }
  if (!Array.isArray(m.To) || m.To.length === 0) errors.push(mailjetError('mj-0003', 400, 'The To is mandatory but missing from the input', ['To']));
  for (const field of ['To', 'Cc', 'Bcc']) {
    const list = m[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      errors.push(mailjetError('mj-0004', 400, 'Type mismatch. Expected type "array of emails".', [field]));
      continue;
    }
    if (list.length > MAX_RECIPIENTS_PER_FIELD) errors.push(mailjetError('send-0015', 400, 'Too many recipients.', [field]));
    list.forEach((recipient, position) => {
      const email = (recipient as Json | null)?.Email;
      if (typeof email !== 'string' || !EMAIL.test(email)) {
        errors.push(mailjetError('mj-0013', 400, `"${String(email)}" is an invalid email address.`, [`${field}[${position}].Email`]));
      }
    });
  }
  if (errors.length > 0) return { Status: 'error', Errors: errors };
  const sent = (field: string) =>
    ((m[field] as Json[] | undefined) ?? []).map((recipient) => {
      const id = sandbox ? 0n : nextMessageId++;
      return { Email: recipient.Email, MessageUUID: sandbox ? '' : randomUUID(), MessageID: `@@${id}@@`,
        MessageHref: `https://api.mailjet.com/v3/REST/message/${id}` };
    });
  return { Status: 'success', CustomID: typeof m.CustomID === 'string' ? m.CustomID : '', To: sent('To'), Cc: sent('Cc'), Bcc: sent('Bcc') };
}

/** JSON text with the `@@digits@@` placeholders written as bare integers (JSON.stringify cannot write them). */
function toJson(body: unknown): string {
  return JSON.stringify(body).replace(/"@@(\d+)@@"/g, '$1');
}

/**
 * Answer one request the way Mailjet's Send API v3.1 does: request-level errors (credentials, JSON,
 * the Messages array) as one error object; otherwise one result per message, in order. HTTP 200 when
 * every message succeeded; when some failed, 400 (Mailjet's guide: the other messages are still
 * sent), or the failed message's own status (e.g. 403) when the request held only that message.
 */
export function answerMailjet(path: string, headers: Record<string, string | undefined>, text: string, options: MailjetFakeOptions = {}): MailjetFakeAnswer {
  const auth = /^Basic\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
  const [user, pass] = auth ? Buffer.from(auth, 'base64').toString('utf8').split(/:(.*)/s) : [];
  const credentialsOk = user && pass && (options.apiKey === undefined || (user === options.apiKey && pass === options.secretKey));
  if (!credentialsOk) {
    return { status: 401, body: toJson(mailjetError('mj-0015', 401, 'API key authentication/authorization failure. You may be unauthorized to access the API or your API key may be expired. Visit API keys management section to check your keys.')) };
  }
  if (!/\/send\/?$/.test(path)) return { status: 404, body: toJson(mailjetError('mj-0404', 404, `The fake Mailjet has no route for ${path}`)) };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { status: 400, body: toJson(mailjetError('mj-0002', 400, 'Malformed JSON, please review the syntax and properties types.')) };
  }
  const messages = (body as Json | null)?.Messages;
  if (!Array.isArray(messages)) return { status: 400, body: toJson(mailjetError('mj-0003', 400, 'Property "Messages" is mandatory.', ['Messages'])) };
  if (messages.length === 0) return { status: 400, body: toJson(mailjetError('mj-0007', 400, 'The array "Messages" cannot be empty.', ['Messages'])) };
  if (messages.length > MAX_MESSAGES) {
    return { status: 400, body: toJson(mailjetError('mj-0008', 400, `Too many elements in "Messages". Max Allowed item limit is ${MAX_MESSAGES}.`, ['Messages'])) };
  }
  const sandbox = (body as Json).SandboxMode === true;
  const results = messages.map((message, index) => resultFor(message, index, sandbox, options));
  const failed = results.filter((result) => result.Status === 'error');
  const status = failed.length === 0 ? 200 : results.length === 1 ? (((failed[0]!.Errors as Json[])[0]!.StatusCode as number) ?? 400) : 400;
  return { status, body: toJson({ Messages: results }) };
}

/** Routes for `startFakeEsp` (from `@anymail/core/test`) that act as Mailjet's Send API v3.1 (`POST /v3.1/send`, or `/send`). */
export function mailjetFakeRoutes(options: MailjetFakeOptions = {}): FakeEspRoutes {
  enableTestNetworkGuard('mailjetFakeRoutes() from @anymail/mailjet/test');
  const route = (call: FakeEspCall): FakeEspReply => {
    const answer = answerMailjet(call.path, call.headers, call.text(), options);
    return { status: answer.status, body: answer.body, headers: { 'content-type': 'application/json; charset=UTF-8' } };
  };
  return { 'POST /v3.1/send': route, 'POST /send': route };
}
