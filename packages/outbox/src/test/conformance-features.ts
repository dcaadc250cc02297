import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmailMessage } from '@anymail/core';
import { OutboxEmailBackend } from '../outbox-email-backend.js';
import type { ConformanceContext } from './outbox-store-conformance.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (content: unknown) => (typeof content === 'string' ? content : new TextDecoder().decode(content as Uint8Array));

export function featureCases({ make }: ConformanceContext): void {
  describe('attachments', () => {
    it('accepts paths, bytes and {content, mimetype}; shares one stored copy across sendMany', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'outbox-att-'));
      const path = join(dir, 'notes.txt');
      writeFileSync(path, 'from disk');
      const { outbox, backend } = await make();
      const attachments = { 'notes.txt': path, 'raw.bin': bytes('raw'), 'data.csv': { content: 'a,b', mimetype: 'text/csv' } };
      await outbox.sendMany([{ recipients: 'a@example.com', attachments }, { recipients: 'b@example.com', attachments }]);
      const stored = await outbox.db.selectFrom('outbox_attachment').select('name').execute();
      expect(stored.map((r) => r.name).sort()).toEqual(['data.csv', 'notes.txt', 'raw.bin']);
      await outbox.sendQueued();
      expect(backend.sent).toHaveLength(2);
      for (const message of backend.sent) {
        expect(message.attachments.map((a) => [a.filename, a.mimetype, text(a.content)])).toEqual([
          ['notes.txt', 'text/plain', 'from disk'],
          ['raw.bin', 'application/octet-stream', 'raw'],
          ['data.csv', 'text/csv', 'a,b'],
        ]);
      }
    });

    it('keeps bytes in attachmentsDir when set, with inline Content-IDs', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'outbox-files-'));
      const { outbox, backend } = await make({ attachmentsDir: dir });
      await outbox.send({ recipients: 'a@example.com', htmlMessage: '<img src="cid:logo1">', attachments: [{ name: 'logo.png', content: bytes('PNG'), contentId: 'logo1' }] });
      expect(readdirSync(dir)).toHaveLength(1);
      await outbox.sendQueued();
      expect(backend.sent[0]!.attachments[0]).toMatchObject({ filename: 'logo.png', mimetype: 'image/png', inline: true, contentId: 'logo1' });
      await outbox.db.deleteFrom('outbox_email').execute();
      expect(await outbox.cleanup({ days: 0, deleteAttachments: true })).toEqual({ emails: 0, attachments: 1 });
      expect(readdirSync(dir)).toHaveLength(0);
    });
  });

  describe('templates', () => {
    it('renders subject, text and autoescaped HTML, with translation fallback when configured', async () => {
      const { outbox, backend } = await make({ templateLanguageFallback: true });
      await outbox.templates.create({ name: 'welcome', subject: 'Hi {{ name }}', content: 'Hello {{ name }}', htmlContent: '<p>Hello {{ name }}</p>' });
      await outbox.templates.create({ name: 'welcome', language: 'de', subject: 'Hallo {{ name }}', content: 'Hallo {{ name }}', htmlContent: '<p>Hallo {{ name }}</p>' });
      const context = { name: '<Ann & Bob>' };
      const [en, de, fr] = await outbox.sendMany([
        { recipients: 'en@example.com', template: 'welcome', context },
        { recipients: 'de@example.com', template: 'welcome', language: 'de', context },
        { recipients: 'fr@example.com', template: 'welcome', language: 'fr', context },
      ]);
      expect(en).toMatchObject({ subject: 'Hi <Ann & Bob>', message: 'Hello <Ann & Bob>', htmlMessage: '<p>Hello &lt;Ann &amp; Bob&gt;</p>' });
      expect(de!.subject).toBe('Hallo <Ann & Bob>');
      expect(fr!.subject).toBe('Hi <Ann & Bob>');
      await expect(outbox.send({ recipients: 'x@example.com', template: 'missing' })).rejects.toThrow(/template 'missing'/);
      await expect(outbox.send({ recipients: 'x@example.com', template: 'welcome', subject: 'both' })).rejects.toThrow(/not both/);
      await outbox.sendQueued();
      expect(backend.sent).toHaveLength(3);
    });

    it('renderOnDelivery stores the context and renders the template as it is at delivery', async () => {
      const { outbox, backend } = await make({ templateCacheMs: 0 });
      const template = await outbox.templates.create({ name: 'receipt', subject: 'Order {{ order.id }}', content: 'v1' });
      const email = await outbox.send({ recipients: 'a@example.com', template: 'receipt', context: { order: { id: 42 } }, renderOnDelivery: true });
      expect(email).toMatchObject({ subject: '', renderOnDelivery: true, templateId: template.id });
      await outbox.templates.update(template.id, { content: 'v2 for {{ order.id }}' });
      await outbox.sendQueued();
      expect(backend.sent[0]).toMatchObject({ subject: 'Order 42', body: 'v2 for 42' });
    });

    it('inline_image attaches an image from templateImagesDir as an inline part and writes its cid:', async () => {
      const images = mkdtempSync(join(tmpdir(), 'outbox-images-'));
      writeFileSync(join(images, 'logo.png'), 'PNGDATA');
      const { outbox, backend } = await make({ templateImagesDir: images });
      await outbox.templates.create({ name: 'branded', content: 'Hi', htmlContent: '<img src="{% inline_image "logo.png" %}">' });
      await outbox.templates.create({ name: 'escape', htmlContent: '{% inline_image "../secret.png" %}' });
      const email = await outbox.send({ recipients: 'a@example.com', template: 'branded' });
      const cid = /src="cid:([^"]+)"/.exec(email.htmlMessage)?.[1];
      expect(cid).toBeDefined();
      await outbox.send({ recipients: 'b@example.com', template: 'branded', renderOnDelivery: true });
      await outbox.sendQueued();
      expect(backend.sent).toHaveLength(2);
      for (const message of backend.sent) {
        const html = message.alternatives[0]!.content;
        const [image] = message.attachments;
        expect(image).toMatchObject({ filename: 'logo.png', mimetype: 'image/png', inline: true });
        expect(html).toContain(`cid:${image!.contentId}`);
        expect(text(image!.content)).toBe('PNGDATA');
      }
      expect(backend.sent[0]!.attachments[0]!.contentId).toBe(cid);
      await expect(outbox.send({ recipients: 'c@example.com', template: 'escape' })).rejects.toThrow(/outside templateImagesDir/);
    });

    it('does not expose properties outside the context (sandbox)', async () => {
      const { outbox } = await make();
      await outbox.templates.create({ name: 'probe', subject: '{{ name.constructor }}|{{ name.length }}|{{ obj.__proto__ }}' });
      const email = await outbox.send({ recipients: 'a@example.com', template: 'probe', context: { name: 'abc', obj: {} } });
      expect(email.subject).not.toMatch(/function|Object/);
    });
  });

  describe('leases and workers', () => {
    it('a claim whose worker died is sent by another worker after the lease, and logged as a resend', async () => {
      const dead = await make({ leaseMs: 1500, workerId: 'dead-worker' });
      const email = await dead.outbox.send({ recipients: 'lease@example.com' });
      const { claimDue } = await import('../outbox-claim.js');
      const claimed = await claimDue(dead.outbox.db, { dialect: dead.outbox.dialect, workerId: 'dead-worker', leaseMs: 1500, limit: 10, sendingOrder: ['-priority'], now: Date.now() });
      expect(claimed).toHaveLength(1);
      const live = await make({ workerId: 'live-worker' });
      expect(await live.outbox.sendQueued()).toEqual({ sent: 0, failed: 0, requeued: 0 });
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect(await live.outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
      const logs = await live.outbox.logs(email.id);
      expect(logs.map((l) => l.exceptionType)).toEqual(['LeaseExpired', '']);
    });

    it('three outboxes draining one queue at once send each email exactly once', async () => {
      const workers = await Promise.all([make(), make(), make()]);
      await workers[0]!.outbox.sendMany(Array.from({ length: 600 }, (_, i) => ({ recipients: `m${i}@example.com` })));
      const reports = await Promise.all(workers.map(({ outbox }) => outbox.sendQueued({ batchSize: 25, concurrency: 4 })));
      expect(reports.reduce((sum, r) => sum + r.sent, 0)).toBe(600);
      const sentTo = workers.flatMap(({ backend }) => backend.sent.map((m) => m.to[0]));
      expect(sentTo).toHaveLength(600);
      expect(new Set(sentTo).size).toBe(600);
    });
  });

  describe('cleanup and OutboxEmailBackend', () => {
    it('cleanup deletes emails older than `days` with their logs, keeping newer ones', async () => {
      const { outbox } = await make();
      const [old, fresh] = await outbox.sendMany([{ recipients: 'old@example.com' }, { recipients: 'new@example.com' }]);
      await outbox.sendQueued();
      await outbox.db.updateTable('outbox_email').set({ created: Date.now() - 40 * 86_400_000 }).where('id', '=', old!.id).execute();
      expect((await outbox.cleanup({ days: 30 })).emails).toBe(1);
      expect(await outbox.get(old!.id)).toBeUndefined();
      expect(await outbox.logs(old!.id)).toEqual([]);
      expect(await outbox.get(fresh!.id)).toBeDefined();
    });

    it('OutboxEmailBackend under failSilently hides a refused email but never a broken queue', async () => {
      const { outbox } = await make();
      const quiet = new OutboxEmailBackend({ outbox, failSilently: true, backend: 'no-such-alias' });
      const message = new EmailMessage({ subject: 's', to: ['a@example.com'] });
      expect(await quiet.sendMessages([message])).toBe(0);
      expect([...message.anymailStatus!.status]).toEqual(['failed']);
      // A queue that cannot store is not a failed send: the database's own error comes through.
      await outbox.db.schema.alterTable('outbox_email').renameTo('outbox_email_gone').execute();
      try {
        const broken = new OutboxEmailBackend({ outbox, failSilently: true });
        await expect(broken.sendMessages([new EmailMessage({ subject: 's', to: ['a@example.com'] })])).rejects.toThrow(/outbox_email/);
      } finally {
        await outbox.db.schema.alterTable('outbox_email_gone').renameTo('outbox_email').execute();
      }
    });

    it('OutboxEmailBackend queues what EmailMessage.send() sends, and the worker delivers it', async () => {
      const { outbox, backend } = await make();
      const queueing = new OutboxEmailBackend({ outbox });
      const message = new EmailMessage({ subject: 'via backend', body: 'text', from: 'a@example.com', to: ['b@example.com'], replyTo: ['r@example.com'], connection: queueing });
      message.attachAlternative('<i>html</i>', 'text/html');
      message.attach('note.txt', 'attached');
      expect(await message.send()).toBe(1);
      expect(backend.sent).toHaveLength(0);
      await outbox.sendQueued();
      expect(backend.sent[0]).toMatchObject({ subject: 'via backend', body: 'text', from: 'a@example.com', to: ['b@example.com'] });
      expect(backend.sent[0]!.replyTo).toEqual(['r@example.com']);
      expect(backend.sent[0]!.alternatives).toEqual([{ content: '<i>html</i>', mimetype: 'text/html' }]);
      expect(text(backend.sent[0]!.attachments[0]!.content)).toBe('attached');
    });
  });
}
