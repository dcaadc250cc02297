import { describe, expect, it } from 'vitest';
import { AnymailAPIError, AnymailInvalidAddress } from '@anymail/core';
import type { ConformanceContext } from './outbox-store-conformance.js';
import { ScriptedBackend } from './scripted-backend.js';

export function deliveryCases({ make }: ConformanceContext): void {
  describe('delivery', () => {
    it('sendQueued sends due mail highest priority first and reports counts', async () => {
      const { outbox, backend } = await make({ concurrency: 1 });
      await outbox.send({ recipients: 'low@example.com', subject: 'low', priority: 'low' });
      await outbox.send({ recipients: 'high@example.com', subject: 'high', priority: 'high' });
      await outbox.send({ recipients: 'medium@example.com', subject: 'medium', htmlMessage: '<b>hi</b>' });
      const report = await outbox.sendQueued({ batchSize: 2 });
      expect(report).toEqual({ sent: 3, failed: 0, requeued: 0 });
      expect(backend.sent.map((m) => m.subject)).toEqual(['high', 'medium', 'low']);
      expect(backend.sent[1]).toMatchObject({ body: '<b>hi</b>', contentSubtype: 'html' });
      const statuses = await outbox.db.selectFrom('outbox_email').select(['status', 'locked_by']).execute();
      expect(statuses.every((s) => s.status === 'sent' && s.locked_by === null)).toBe(true);
      expect(await outbox.sendQueued()).toEqual({ sent: 0, failed: 0, requeued: 0 });
    });

    it('honours sendingOrder', async () => {
      const { outbox, backend } = await make({ sendingOrder: ['-created'], concurrency: 1 });
      const first = await outbox.send({ recipients: 'a@example.com', subject: 'first', priority: 'high' });
      await outbox.db.updateTable('outbox_email').set({ created: 1 }).where('id', '=', first.id).execute();
      await outbox.send({ recipients: 'b@example.com', subject: 'second', priority: 'low' });
      await outbox.sendQueued();
      expect(backend.sent.map((m) => m.subject)).toEqual(['second', 'first']);
    });

    it('skips mail scheduled in the future and mail past its expiry', async () => {
      const { outbox, backend } = await make();
      await outbox.send({ recipients: 'later@example.com', scheduledTime: Date.now() + 60_000 });
      await outbox.send({ recipients: 'expired@example.com', expiresAt: Date.now() - 1 });
      await outbox.send({ recipients: 'due@example.com', scheduledTime: Date.now() - 1 });
      expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
      expect(backend.sent.map((m) => m.to)).toEqual([['due@example.com']]);
    });

    it('priority now delivers within send', async () => {
      const { outbox, backend } = await make();
      const email = await outbox.send({ recipients: 'now@example.com', subject: 'urgent', priority: 'now' });
      expect(email.status).toBe('sent');
      expect(backend.sent).toHaveLength(1);
    });

    it('requeues a retryable error until maxRetries, then fails; logs each attempt', async () => {
      const { outbox, backend } = await make({ maxRetries: 2, retryIntervalMs: 0 });
      backend.failFor('flaky@example.com', new AnymailAPIError('503 from ESP', { statusCode: 503 }));
      const email = await outbox.send({ recipients: 'flaky@example.com' });
      const makeDue = () => outbox.db.updateTable('outbox_email').set({ scheduled_time: Date.now() - 1 }).where('id', '=', email.id).execute();
      // One attempt per run: a retry requeued during a run waits for the next one.
      expect(await outbox.sendQueued()).toEqual({ sent: 0, failed: 0, requeued: 1 });
      const requeued = await outbox.get(email.id);
      expect(requeued).toMatchObject({ status: 'requeued', numberOfRetries: 1 });
      await makeDue();
      expect(await outbox.sendQueued()).toEqual({ sent: 0, failed: 0, requeued: 1 });
      await makeDue();
      expect(await outbox.sendQueued()).toEqual({ sent: 0, failed: 1, requeued: 0 });
      const logs = await outbox.logs(email.id);
      expect(logs.map((l) => l.status)).toEqual(['requeued', 'requeued', 'failed']);
      expect(logs[0]).toMatchObject({ exceptionType: 'AnymailAPIError', message: expect.stringContaining('[server] 503 from ESP') });
    });

    it('waits retryIntervalMs before a retry, and a retry that succeeds is sent', async () => {
      const { outbox, backend } = await make({ maxRetries: 1, retryIntervalMs: 60_000 });
      backend.failFor('once@example.com', new AnymailAPIError('429', { category: 'rate-limit' }), 1);
      const email = await outbox.send({ recipients: 'once@example.com' });
      const before = Date.now();
      await outbox.sendQueued();
      const requeued = await outbox.get(email.id);
      expect(requeued!.scheduledTime!.getTime()).toBeGreaterThanOrEqual(before + 60_000);
      expect(await outbox.sendQueued()).toEqual({ sent: 0, failed: 0, requeued: 0 });
      await outbox.db.updateTable('outbox_email').set({ scheduled_time: Date.now() - 1 }).where('id', '=', email.id).execute();
      expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    });

    it('fails at once on errors that are not retryable', async () => {
      const { outbox, backend } = await make({ maxRetries: 5 });
      backend.failFor('bad@example.com', new AnymailInvalidAddress('bad@example.com is not deliverable'));
      backend.failFor('plain@example.com', new TypeError('bug in a preSend receiver'));
      await outbox.sendMany([{ recipients: 'bad@example.com' }, { recipients: 'plain@example.com' }, { recipients: 'ok@example.com' }]);
      expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 2, requeued: 0 });
    });

    it('records deliveryUnknown as failed and does not retry it unless retryDeliveryUnknown', async () => {
      const unknown = () => new AnymailAPIError('body timeout', { category: 'timeout', deliveryUnknown: true });
      const { outbox, backend } = await make({ maxRetries: 3, retryIntervalMs: 0 });
      backend.failFor('maybe@example.com', unknown());
      const email = await outbox.send({ recipients: 'maybe@example.com' });
      expect(await outbox.sendQueued()).toEqual({ sent: 0, failed: 1, requeued: 0 });
      expect((await outbox.logs(email.id))[0]!.message).toMatch(/^delivery unknown: the ESP may have accepted it/);

      const retrying = await make({ maxRetries: 3, retryIntervalMs: 0, retryDeliveryUnknown: true });
      retrying.backend.failFor('maybe2@example.com', unknown(), 1);
      await retrying.outbox.send({ recipients: 'maybe2@example.com' });
      expect(await retrying.outbox.sendQueued()).toEqual({ sent: 0, failed: 0, requeued: 1 });
      await retrying.outbox.db.updateTable('outbox_email').set({ scheduled_time: Date.now() - 1 }).execute();
      expect(await retrying.outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    });

    it('logLevel 2 logs successes, 1 only failures, 0 nothing', async () => {
      for (const logLevel of [2, 1, 0] as const) {
        const { outbox, backend } = await make({ logLevel });
        backend.failFor(`fail${logLevel}@example.com`, new AnymailInvalidAddress('no'));
        const [ok, bad] = await outbox.sendMany([{ recipients: `ok${logLevel}@example.com` }, { recipients: `fail${logLevel}@example.com` }]);
        await outbox.sendQueued();
        expect((await outbox.logs(ok!.id)).length).toBe(logLevel === 2 ? 1 : 0);
        expect((await outbox.logs(bad!.id)).length).toBe(logLevel === 0 ? 0 : 1);
      }
    });

    it('sends through the email’s backend alias, opening each backend once and closing it with the outbox', async () => {
      const main = new ScriptedBackend();
      const bulk = new ScriptedBackend();
      const { outbox } = await make({ backends: { default: main, bulk } });
      await outbox.sendMany([{ recipients: 'a@example.com' }, { recipients: 'b@example.com', backend: 'bulk' }, { recipients: 'c@example.com', backend: 'bulk' }]);
      await outbox.sendQueued();
      expect(main.sent.map((m) => m.to[0])).toEqual(['a@example.com']);
      expect(bulk.sent.map((m) => m.to[0]).sort()).toEqual(['b@example.com', 'c@example.com']);
      expect(bulk.opens).toBe(1);
      await outbox.close();
      expect([main.closes, bulk.closes]).toEqual([1, 1]);
    });
  });
}
