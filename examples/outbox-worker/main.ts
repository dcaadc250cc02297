/**
 * The outbox in one file: queue mail the way a web request would (one insert, inside the
 * business transaction), then run a worker until the queue is empty.
 *   npx tsx examples/outbox-worker/main.ts
 */
import { createOutbox } from '@anymail/outbox';
import settings from './outbox.config.js';

const outbox = await createOutbox(settings());
await outbox.migrate();

const existing = await outbox.templates.list();
if (!existing.some((template) => template.name === 'welcome')) {
  await outbox.templates.create({ name: 'welcome', subject: 'Welcome, {{ name }}', content: 'Hello {{ name }}!', htmlContent: '<p>Hello <b>{{ name }}</b>!</p>' });
  await outbox.templates.create({ name: 'welcome', language: 'de', subject: 'Willkommen, {{ name }}', content: 'Hallo {{ name }}!' });
}

// In a request handler: enqueue in the same transaction as the business write.
await outbox.db.transaction().execute(async (transaction) => {
  await outbox.send({ recipients: 'ann@example.com', sender: 'shop@example.com', template: 'welcome', context: { name: 'Ann' } }, { transaction });
});
await outbox.sendMany([
  { recipients: 'bob@example.com', sender: 'shop@example.com', template: 'welcome', language: 'de', context: { name: 'Bob' } },
  { recipients: 'eve@example.com', sender: 'shop@example.com', subject: 'Your receipt', message: 'Thanks!', priority: 'high' },
]);

// In a worker process (or `anymail-outbox worker --config ./outbox.config.ts`):
const report = await outbox.sendQueued();
console.error(`sent ${report.sent}, failed ${report.failed}, requeued ${report.requeued}`);
await outbox.close();
