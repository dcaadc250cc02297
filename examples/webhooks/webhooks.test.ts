import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { handleWebhook } from './fetch-handler.js';
import { createWebhookServer } from './node-server.js';
import { webhookRoutes } from './routes.js';

const bounce = readFileSync(new URL('../../packages/postmark/test/fixtures/webhooks/bounce.json', import.meta.url));
const inboundMail = readFileSync(new URL('../../packages/postmark/test/fixtures/inbound/inbound.json', import.meta.url));
const env = { POSTMARK_WEBHOOK_SECRET: 'example:secret' };
const auth = { authorization: `Basic ${Buffer.from('example:secret').toString('base64')}` };

describe('webhook examples', () => {
  it('routes only the ESPs that are configured', () => {
    expect([...webhookRoutes(env).keys()]).toEqual(['/webhooks/postmark', '/inbound/postmark']);
  });
  it('node:http example answers 200 for an authenticated Postmark post, 401 without, 404 elsewhere', async () => {
    const server = createWebhookServer(env);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/webhooks/postmark`, { method: 'POST', body: bounce, headers: auth })).status).toBe(200);
      expect((await fetch(`${base}/webhooks/postmark`, { method: 'POST', body: bounce })).status).toBe(401);
      expect((await fetch(`${base}/webhooks/mailgun`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(`${base}/inbound/postmark`, { method: 'POST', body: inboundMail, headers: auth })).status).toBe(200);
      // The two URLs swapped in Postmark's settings: a 400 that says which handler to use.
      const swapped = await fetch(`${base}/inbound/postmark`, { method: 'POST', body: bounce, headers: auth });
      expect(swapped.status).toBe(400);
      expect(await swapped.text()).toMatch(/trackingWebhook\(\)/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
  it('fetch example dispatches by path', async () => {
    const table = webhookRoutes(env);
    const ok = await handleWebhook(new Request('https://app.example/webhooks/postmark', { method: 'POST', body: bounce, headers: auth }), table);
    expect(ok.status).toBe(200);
    expect((await handleWebhook(new Request('https://app.example/webhooks/ses', { method: 'POST', body: '{}' }), table)).status).toBe(404);
  });
});
