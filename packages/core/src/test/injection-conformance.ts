import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnymailError } from '../errors.js';
import { EmailMessage } from '../message.js';
import type { BaseEspBackend, BaseEspBackendOptions } from '../esp/base-esp-backend.js';
import { startFakeEsp, type FakeEsp, type FakeEspRoute } from './fake-esp.js';

export interface InjectionConformanceOptions {
  espName: string;
  /** Make a backend pointed at the fake ESP's base URL. */
  createBackend(apiUrl: string, options?: BaseEspBackendOptions): BaseEspBackend;
  /** The route answering a successful send. */
  successRoute: FakeEspRoute;
  /** Key of the route ('METHOD /path' or '*'); default '*'. */
  routeKey?: string;
  /** espExtra values that put a line break or control character into a header line of this ESP. */
  espExtraInjections: Record<string, Record<string, unknown>>;
}

const CRLF_NAME = '=?utf-8?q?Name=0D=0ABcc:_evil@attacker.test?=';
const asAny = (value: unknown) => value as never;

/** Edits of a valid message that must be refused before any request (issue #13 items 1, 3, 5). */
export const HOSTILE_MESSAGE_EDITS: Record<string, (message: EmailMessage) => void> = {
  'an encoded-word from name that decodes to CRLF': (m) => (m.from = `${CRLF_NAME} <from@example.com>`),
  'an encoded-word to name that decodes to CRLF': (m) => (m.to = [`${CRLF_NAME} <to@example.com>`]),
  'an encoded-word cc name that decodes to CRLF': (m) => (m.cc = [`"${CRLF_NAME}" <cc@example.com>`]),
  'an encoded-word bcc name that decodes to CRLF': (m) => (m.bcc = [`${CRLF_NAME} <bcc@example.com>`]),
  'an encoded-word replyTo name that decodes to CRLF': (m) => (m.replyTo = [`${CRLF_NAME} <reply@example.com>`]),
  'NUL in the subject': (m) => (m.subject = 'a\u0000b'),
  'ESC in a header value': (m) => (m.headers = { 'X-A': 'a\u001bb' }),
  'U+2028 in an attachment file name': (m) => m.attach('a\u2028b.txt', 'x', 'text/plain'),
  'VT in a display name': (m) => (m.to = ['"A\u000bB" <to@example.com>']),
  'NUL in a quoted local part': (m) => (m.to = ['"a\u0000b"@example.com']),
  '< in a quoted local part': (m) => (m.to = ['"a<b"@example.com']),
  'a 100 000-character local part': (m) => (m.to = [`${'a'.repeat(100_000)}@example.com`]),
  'a whitespace-only from': (m) => (m.from = '   '),
  'a numeric recipient': (m) => (m.to = [asAny(5)]),
  'a numeric subject': (m) => (m.subject = asAny(5)),
  'a numeric header value': (m) => (m.headers = { 'X-N': asAny(5) }),
  'a control character in a tag': (m) => (m.tags = ['a\u001bb']),
};

/**
 * The header-injection suite every ESP package runs against its backend and a fake ESP: each
 * hostile message and each hostile espExtra is refused with an AnymailError before any request.
 */
export function describeInjectionRefusals(options: InjectionConformanceOptions): void {
  const routeKey = options.routeKey ?? '*';
  describe(`${options.espName} refuses header injection before sending`, () => {
    let esp: FakeEsp;
    let backend: BaseEspBackend;
    beforeAll(async () => {
      esp = await startFakeEsp({ [routeKey]: options.successRoute });
      backend = options.createBackend(esp.url, { timeoutMs: 2000 });
    });
    afterAll(async () => {
      await backend.close();
      await esp.close();
    });
    afterEach(() => {
      esp.calls.length = 0;
    });
    const message = () =>
      new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Subject', body: 'Body', connection: backend });

    async function expectRefused(edit: (message: EmailMessage) => void): Promise<void> {
      const sent = message();
      edit(sent);
      const error = await sent.send().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(AnymailError.isInstance(error), `expected an AnymailError, got ${String(error)}`).toBe(true);
      expect((error as AnymailError).category).toBe('invalid-request');
      expect(esp.calls).toHaveLength(0);
    }

    it('sends a clean message (so each refusal below is about its hostile value)', async () => {
      await expect(message().send()).resolves.toBe(1);
      expect(esp.calls).toHaveLength(1);
    });
    for (const [label, edit] of Object.entries(HOSTILE_MESSAGE_EDITS)) {
      it(`refuses ${label}`, () => expectRefused(edit));
    }
    for (const [label, espExtra] of Object.entries(options.espExtraInjections)) {
      it(`refuses espExtra with ${label}`, () => expectRefused((m) => (m.espExtra = espExtra)));
    }
  });
}
