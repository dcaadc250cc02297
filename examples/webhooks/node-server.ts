// Tracking and inbound webhooks on plain node:http (the same handlers work in Express, see below).
//
//   MAILGUN_WEBHOOK_SIGNING_KEY=... POSTMARK_WEBHOOK_SECRET=user:pass npx tsx examples/webhooks/node-server.ts
//
// Express: mount the handler *before* any JSON body parser, or give it the raw bytes
// (SendGrid signs the exact body):
//   app.post('/webhooks/sendgrid', express.raw({ type: '*/*' }), (req, res) => sendgrid.node(req, res));
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { inbound, tracking } from '@anymail/core';
import { webhookRoutes } from './routes.js';

export function createWebhookServer(env: NodeJS.ProcessEnv = process.env): Server {
  const routes = webhookRoutes(env);
  return createServer((req, res) => {
    const webhook = routes.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!webhook) {
      res.writeHead(404).end('Not found');
      return;
    }
    // Answers HEAD 200, bad signature/credentials 400/401, a throwing receiver 500 (the ESP retries).
    void webhook.node(req, res);
  });
}

// One receiver for every ESP: the events are already normalized.
tracking.connect(({ event, espName }) => {
  console.log(`${espName}: ${event.eventType} ${event.recipient ?? ''} message=${event.messageId ?? '?'}`);
}, { dispatchUid: 'examples/webhooks/log' });

// Received mail, the same for every ESP. Throwing here answers 500, so the ESP posts it again later.
inbound.connect(({ event, espName }) => {
  const { message } = event;
  const files = message.attachments.map((attachment) => `${attachment.filename ?? '(unnamed)'} (${attachment.content.byteLength} bytes)`);
  console.log(`${espName}: mail from ${message.from?.addrSpec ?? '?'} to ${message.envelopeRecipient ?? '?'}: ${message.subject ?? ''}`,
    files.length > 0 ? `attachments: ${files.join(', ')}` : '', message.spamDetected ? '[spam]' : '');
}, { dispatchUid: 'examples/webhooks/inbound-log' });

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.PORT ?? 8080);
  createWebhookServer().listen(port, '127.0.0.1', () => console.log(`webhooks on http://127.0.0.1:${port}/webhooks/<esp> and /inbound/<esp>`));
}
