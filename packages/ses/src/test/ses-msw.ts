import { enableTestNetworkGuard } from '@anymail/core';
import type { HttpHandler } from 'msw';
import { answerSes, type SesFakeOptions } from './ses-fake.js';

/**
 * msw request handlers that act as the SES v2 send API, for code that sends through `fetch`
 * (pass `fetch` to SesBackend; msw does not see undici Pool traffic on Node 20). msw is loaded
 * here, on first use, so the rest of `@anymail/ses/test` works without it. Turns on the
 * test-mode network guard (see `enableTestNetworkGuard` in `@anymail/core`).
 */
export async function sesMswHandlers(options: SesFakeOptions & { endpoint?: string } = {}): Promise<HttpHandler[]> {
  enableTestNetworkGuard('sesMswHandlers() from @anymail/ses/test');
  const { http, HttpResponse } = await import('msw');
  const base = (options.endpoint ?? 'https://email.us-east-1.amazonaws.com/').replace(/\/?$/, '/');
  return ['v2/email/outbound-emails', 'v2/email/outbound-bulk-emails'].map((path) =>
    http.post(`${base}${path}`, async ({ request }) => {
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        body = undefined;
      }
      const answer = answerSes(path, Object.fromEntries(request.headers.entries()), body, options);
      return new HttpResponse(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body), {
        status: answer.status,
        headers: answer.headers,
      });
    }),
  );
}
