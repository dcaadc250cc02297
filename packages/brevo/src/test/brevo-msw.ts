import { enableTestNetworkGuard } from '@anymail/core';
import type { HttpHandler } from 'msw';
import { BREVO_DEFAULT_API_URL } from '../brevo-options.js';
import { answerBrevo, type BrevoFakeOptions } from './brevo-fake.js';

/**
 * msw request handlers that act as Brevo's `POST /v3/smtp/email`, for code that sends through
 * `fetch` (pass `fetch` to BrevoBackend; msw does not see undici Pool traffic on Node 20). msw is
 * loaded here, on first use, so the rest of `@anymail/brevo/test` works without it.
 * Turns on the test-mode network guard (see `enableTestNetworkGuard` in `@anymail/core`).
 */
export async function brevoMswHandlers(options: Pick<BrevoFakeOptions, 'apiKey'> & { apiUrl?: string } = {}): Promise<HttpHandler[]> {
  enableTestNetworkGuard('brevoMswHandlers() from @anymail/brevo/test');
  const { http, HttpResponse } = await import('msw');
  const base = (options.apiUrl ?? BREVO_DEFAULT_API_URL).replace(/\/?$/, '/');
  return [
    http.post(`${base}smtp/email`, async ({ request }) => {
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        return HttpResponse.json({ code: 'bad_request', message: 'Input must be a valid JSON object' }, { status: 400 });
      }
      const answer = answerBrevo(Object.fromEntries(request.headers.entries()), body, options);
      return HttpResponse.json(answer.body, { status: answer.status });
    }),
  ];
}
