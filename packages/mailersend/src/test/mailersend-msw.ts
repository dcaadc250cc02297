import { enableTestNetworkGuard } from '@anymail/core';
import type { HttpHandler } from 'msw';
import { createMailerSendFake, type MailerSendFakeOptions } from './mailersend-fake.js';

/**
 * msw request handlers that act as MailerSend's email API, for code that sends through `fetch`
 * (pass `fetch` to MailerSendBackend; msw does not see undici Pool traffic on Node 20). msw is
 * loaded here, on first use, so the rest of `@anymail/mailersend/test` works without it.
 * Turns on the test-mode network guard (see `enableTestNetworkGuard` in `@anymail/core`).
 */
export async function mailerSendMswHandlers(options: MailerSendFakeOptions & { apiUrl?: string } = {}): Promise<HttpHandler[]> {
  enableTestNetworkGuard('mailerSendMswHandlers() from @anymail/mailersend/test');
  const { http, HttpResponse } = await import('msw');
  const fake = createMailerSendFake(options);
  const base = (options.apiUrl ?? 'https://api.mailersend.com/v1/').replace(/\/?$/, '/');
  const basePath = new URL(base).pathname;
  return [
    http.all(`${base}*`, async ({ request }) => {
      const text = request.method === 'POST' ? await request.text() : '';
      const path = new URL(request.url).pathname.slice(basePath.length);
      const headers = Object.fromEntries(request.headers.entries());
      const answer = fake.answer(request.method, path, headers, () => JSON.parse(text) as unknown);
      return answer.body === undefined
        ? new HttpResponse(null, { status: answer.status, headers: answer.headers })
        : HttpResponse.json(answer.body as Record<string, unknown>, { status: answer.status, headers: answer.headers });
    }),
  ];
}
