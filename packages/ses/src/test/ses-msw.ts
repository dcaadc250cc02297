import { http, HttpResponse, type HttpHandler } from 'msw';
import { answerSes, type SesFakeOptions } from './ses-fake.js';

/**
 * msw request handlers that act as the SES v2 send API, for code that sends through `fetch`
 * (pass `fetch` to SesBackend; msw does not see undici Pool traffic on Node 20).
 */
export function sesMswHandlers(options: SesFakeOptions & { endpoint?: string } = {}): HttpHandler[] {
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
