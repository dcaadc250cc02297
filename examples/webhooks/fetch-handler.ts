// Tracking and inbound webhooks as a web-standard fetch handler: Bun, Deno, Cloudflare Workers, Hono, Next.js.
//
//   Bun.serve({ port: 8080, fetch: handleWebhook });
//   Deno.serve({ port: 8080 }, handleWebhook);
//   // Hono:    app.post('/webhooks/:esp', (c) => handleWebhook(c.req.raw));
//   // Next.js: export const POST = (request: Request) => handleWebhook(request);  (app/webhooks/[esp]/route.ts)
import { inbound, tracking } from '@anymail/core';
import { webhookRoutes } from './routes.js';

const routes = webhookRoutes();

export function handleWebhook(request: Request, table = routes): Promise<Response> {
  const webhook = table.get(new URL(request.url).pathname);
  if (!webhook) return Promise.resolve(new Response('Not found', { status: 404 }));
  return webhook.fetch(request);
}

tracking.connect(({ event, espName }) => {
  // Store the event, update your suppression list, etc. Throwing here answers 500, so the ESP retries.
  console.log(`${espName}: ${event.eventType} ${event.recipient ?? ''}`);
}, { dispatchUid: 'examples/webhooks/fetch-log' });

inbound.connect(({ event, espName }) => {
  // Hand the mail to your app: event.message.text / html / attachments / inlines.get(cid) / asBytes().
  console.log(`${espName}: inbound "${event.message.subject ?? ''}" from ${event.message.from?.addrSpec ?? '?'}`);
}, { dispatchUid: 'examples/webhooks/fetch-inbound-log' });

export default { fetch: (request: Request) => handleWebhook(request) };
