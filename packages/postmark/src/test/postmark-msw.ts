import { enableTestNetworkGuard } from '@anymail/core';
import type { HttpHandler } from 'msw';
import { answerPostmark, type PostmarkFakeOptions } from './postmark-fake.js';

/**
 * msw request handlers that act as Postmark's email API, for code that sends through `fetch`
 * (pass `fetch` to PostmarkBackend; msw does not see undici Pool traffic on Node 20). msw is
 * loaded here, on first use, so the rest of `@anymail/postmark/test` works without it.
 * Turns on the test-mode network guard (see `enableTestNetworkGuard` in `@anymail/core`).
 */
export async function postmarkMswHandlers(options: PostmarkFakeOptions & { apiUrl?: string } = {}): Promise<HttpHandler[]> {
  enableTestNetworkGuard('postmarkMswHandlers() from @anymail/postmark/test');
  const { http, HttpResponse } = await import('msw');
  const base = (options.apiUrl ?? 'https://api.postmarkapp.com/').replace(/\/?$/, '/');
  return ['email', 'email/batch', 'email/withTemplate', 'email/batchWithTemplates'].map((path) =>
    http.post(`${base}${path}`, async ({ request }) => {
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        return HttpResponse.json({ ErrorCode: 402, Message: 'Invalid JSON' }, { status: 422 });
      }
      const headers = Object.fromEntries(request.headers.entries());
      const answer = answerPostmark(path, headers, body, options);
      return HttpResponse.json(answer.body as Record<string, unknown>, { status: answer.status });
    }),
  );
}
