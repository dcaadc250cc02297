import { describe, expect, it } from 'vitest';
import { emailQueued, type EmailQueuedArgs } from '../outbox-signals.js';
import type { ConformanceContext } from './outbox-store-conformance.js';

export function enqueueCases({ make }: ConformanceContext): void {
  describe('enqueue', () => {
    it('migrate is idempotent: a second run has nothing to do', async () => {
      const { outbox } = await make();
      expect(await outbox.migrate()).toEqual([]);
    });

    it('send stores every field and round-trips it', async () => {
      const { outbox } = await make();
      const scheduled = new Date(Date.now() + 3_600_000);
      const expires = new Date(Date.now() + 7_200_000);
      const queued = await outbox.send({
        recipients: ['to@example.com'],
        sender: 'Shop <shop@example.com>',
        subject: 'Hello',
        message: 'Plain',
        htmlMessage: '<p>Html</p>',
        cc: 'cc@example.com',
        bcc: ['bcc@example.com'],
        headers: { 'X-Campaign': 'spring' },
        scheduledTime: scheduled,
        expiresAt: expires,
        priority: 'high',
      });
      const stored = await outbox.get(queued.id);
      expect(stored).toMatchObject({
        id: queued.id,
        fromEmail: 'Shop <shop@example.com>',
        to: ['to@example.com'],
        cc: ['cc@example.com'],
        bcc: ['bcc@example.com'],
        subject: 'Hello',
        message: 'Plain',
        htmlMessage: '<p>Html</p>',
        headers: { 'X-Campaign': 'spring' },
        priority: 'high',
        status: 'queued',
        numberOfRetries: 0,
        backendAlias: 'default',
      });
      expect(stored!.scheduledTime!.getTime()).toBe(scheduled.getTime());
      expect(stored!.expiresAt!.getTime()).toBe(expires.getTime());
    });

    it('sendMany queues every email with ascending ids and fires emailQueued once with the list', async () => {
      const { outbox } = await make();
      const seen: EmailQueuedArgs[] = [];
      const receiver = (args: EmailQueuedArgs) => void seen.push(args);
      emailQueued.connect(receiver);
      try {
        const emails = await outbox.sendMany(
          Array.from({ length: 1200 }, (_, i) => ({ recipients: `r${i}@example.com`, subject: `n${i}`, message: 'x' })),
        );
        expect(emails).toHaveLength(1200);
        expect(emails.map((e) => e.subject)).toEqual(Array.from({ length: 1200 }, (_, i) => `n${i}`));
        const ids = emails.map((e) => e.id);
        expect([...ids].sort((a, b) => a - b)).toEqual(ids);
        expect(seen).toHaveLength(1);
        expect(seen[0]!.emails).toHaveLength(1200);
        const stored = await outbox.get(ids[777]!);
        expect(stored).toMatchObject({ subject: 'n777', to: ['r777@example.com'] });
      } finally {
        emailQueued.disconnect(receiver);
      }
    });

    it('uses the defaultPriority setting and rejects unknown backends and empty recipients', async () => {
      const { outbox } = await make({ defaultPriority: 'low' });
      expect((await outbox.send({ recipients: 'a@example.com', subject: 's' })).priority).toBe('low');
      await expect(outbox.send({ recipients: 'a@example.com', backend: 'nope' })).rejects.toThrow(/Unknown outbox backend alias 'nope'/);
      await expect(outbox.send({ subject: 'nobody' })).rejects.toThrow(/at least one of recipients/);
    });

    it('overrideRecipients replaces to at delivery (as post_office); the stored email keeps its recipients', async () => {
      const { outbox, backend } = await make({ overrideRecipients: ['qa@example.com'] });
      const email = await outbox.send({ recipients: 'real@example.com', cc: 'c@example.com', bcc: 'b@example.com' });
      expect(email).toMatchObject({ to: ['real@example.com'], cc: ['c@example.com'], bcc: ['b@example.com'] });
      await outbox.sendQueued();
      expect(backend.sent[0]).toMatchObject({ to: ['qa@example.com'], cc: ['c@example.com'], bcc: ['b@example.com'] });
    });

    it('messageIdEnabled gives each email a Message-ID on the configured domain, sent as a header', async () => {
      const { outbox, backend } = await make({ messageIdEnabled: true, messageIdFqdn: 'mail.example.com' });
      const email = await outbox.send({ recipients: 'a@example.com', subject: 's', message: 'm' });
      expect(email.messageId).toMatch(/^<[^@>]+@mail\.example\.com>$/);
      await outbox.sendQueued();
      expect(backend.sent[0]!.headers['Message-ID']).toBe(email.messageId);
    });

    it('commits with a Kysely transaction and disappears with its rollback', async () => {
      const { outbox } = await make({ templateCacheMs: 0 });
      await outbox.templates.create({ name: 'in-trx', subject: 'from a template' });
      await outbox.db.transaction().execute(async (trx) => {
        await outbox.send({ recipients: 'commit@example.com', subject: 'kept' }, { transaction: trx });
        // Template lookups go through the same transaction (SQLite has a single connection).
        await outbox.send({ recipients: 'commit@example.com', template: 'in-trx' }, { transaction: trx });
      });
      await expect(
        outbox.db.transaction().execute(async (trx) => {
          await outbox.send({ recipients: 'rollback@example.com', subject: 'gone' }, { transaction: trx });
          throw new Error('business write failed');
        }),
      ).rejects.toThrow('business write failed');
      const rows = await outbox.db.selectFrom('outbox_email').select('subject').execute();
      expect(rows.map((r) => r.subject).sort()).toEqual(['from a template', 'kept']);
    });
  });
}
