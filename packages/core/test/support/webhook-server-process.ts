/**
 * A node:http server in its own process, mounted the way Express users mount a webhook
 * (`void webhook.node(req, res)`), so a crash or memory growth shows in this process only.
 * Tells the parent its port over IPC; answers { rss: true } with its resident set size.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnymailWebhookValidationFailure, createTrackingWebhook, createTrackingEvent } from '../../src/index.js';

const webhook = createTrackingWebhook({
  espName: 'Test',
  esp: 'test',
  env: {},
  verify: (_envelope, request) => {
    if (request.headers.get('x-test-valid') !== 'yes') {
      throw new AnymailWebhookValidationFailure('bad test signature', { statusCode: 400 });
    }
  },
  parseEvents: () => [createTrackingEvent({ espName: 'Test', espEvent: {}, eventType: 'delivered' })],
});

const server = createServer((req, res) => {
  void webhook.node(req, res);
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message: { rss?: boolean; gc?: boolean }) => {
  if (message.rss) process.send?.({ rss: process.memoryUsage().rss });
});
process.on('disconnect', () => process.exit(0));
