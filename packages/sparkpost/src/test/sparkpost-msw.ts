import { enableTestNetworkGuard } from '@anymail/core';
import type { HttpHandler } from 'msw';
import { answerSparkPost, type SparkPostFakeOptions } from './sparkpost-fake.js';

/**
 * msw request handlers that act as SparkPost's Transmissions API, for code that sends through
 * `fetch` (pass `fetch` to SparkPostBackend; msw does not see undici Pool traffic on Node 20).
 * msw is loaded here, on first use, so the rest of `@anymail/sparkpost/test` works without it.
 * Turns on the test-mode network guard (see `enableTestNetworkGuard` in `@anymail/core`).
 */
export async function sparkPostMswHandlers(options: SparkPostFakeOptions & { apiUrl?: string } = {}): Promise<HttpHandler[]> {
  enableTestNetworkGuard('sparkPostMswHandlers() from @anymail/sparkpost/test');
  const { http, HttpResponse } = await import('msw');
  const base = (options.apiUrl ?? 'https://api.sparkpost.com/api/v1/').replace(/\/?$/, '/');
  return [`${base}transmissions`, `${base}transmissions/`].map((url) =>
    http.post(url, async ({ request }) => {
      const headers = Object.fromEntries(request.headers.entries());
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        body = undefined;
      }
      const answer = answerSparkPost(headers, body, options);
      return new HttpResponse(answer.body, { status: answer.status, headers: { 'content-type': 'application/json' } });
    }),
  );
}
