import { enableTestNetworkGuard } from '@anymail/core';
import type { HttpHandler } from 'msw';
import { answerMailjet, type MailjetFakeOptions } from './mailjet-fake.js';

/**
 * msw request handlers that act as Mailjet's Send API v3.1, for code that sends through `fetch`
 * (pass `fetch` to MailjetBackend; msw does not see undici Pool traffic on Node 20). msw is loaded
 * here, on first use, so the rest of `@anymail/mailjet/test` works without it.
 * Turns on the test-mode network guard (see `enableTestNetworkGuard` in `@anymail/core`).
 */
export async function mailjetMswHandlers(options: MailjetFakeOptions & { apiUrl?: string } = {}): Promise<HttpHandler[]> {
  enableTestNetworkGuard('mailjetMswHandlers() from @anymail/mailjet/test');
  const { http, HttpResponse } = await import('msw');
  const base = (options.apiUrl ?? 'https://api.mailjet.com/v3.1/').replace(/\/?$/, '/');
  return [
    http.post(`${base}send`, async ({ request }) => {
      const headers = Object.fromEntries(request.headers.entries());
      const answer = answerMailjet(new URL(request.url).pathname, headers, await request.text(), options);
      return new HttpResponse(answer.body, { status: answer.status, headers: { 'content-type': 'application/json; charset=UTF-8' } });
    }),
  ];
}
