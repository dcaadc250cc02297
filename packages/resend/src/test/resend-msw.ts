import { enableTestNetworkGuard } from '@anymail/core';
import type { HttpHandler } from 'msw';
import { answerResend, createResendFakeState, type ResendFakeOptions } from './resend-fake.js';

/**
 * msw request handlers that act as Resend's email API, for code that sends through `fetch` (pass `fetch`
 * to ResendBackend; msw does not see undici Pool traffic on Node 20). msw is loaded here, on first use,
 * so the rest of `@anymail/resend/test` works without it. Turns on the test-mode network guard.
 */
export async function resendMswHandlers(options: ResendFakeOptions & { apiUrl?: string } = {}): Promise<HttpHandler[]> {
  enableTestNetworkGuard('resendMswHandlers() from @anymail/resend/test');
  const { http, HttpResponse } = await import('msw');
  const base = (options.apiUrl ?? 'https://api.resend.com/').replace(/\/?$/, '/');
  const state = createResendFakeState();
  return ['emails', 'emails/batch'].map((path) =>
    http.post(`${base}${path}`, async ({ request }) => {
      const headers = Object.fromEntries(request.headers.entries());
      const answer = answerResend(path, headers, await request.text(), options, state);
      return HttpResponse.json(answer.body as Record<string, unknown>, { status: answer.status, headers: answer.headers ?? {} });
    }),
  );
}
