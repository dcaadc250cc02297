import { describe, expect, it } from 'vitest';
import { EmailMessage } from '@anymail/core';
import { everyFieldMessage, messageContent } from '@anymail/core/test';
import { OutboxEmailBackend } from '../outbox-email-backend.js';
import type { ConformanceContext } from './outbox-store-conformance.js';

export function messageCases({ make }: ConformanceContext): void {
  describe('every EmailMessage field survives the queue (OutboxEmailBackend)', () => {
    async function throughQueue(message: EmailMessage): Promise<EmailMessage> {
      const { outbox, backend } = await make();
      expect(await new OutboxEmailBackend({ outbox }).sendMessages([message])).toBe(1);
      await outbox.sendQueued();
      expect(backend.sent).toHaveLength(1);
      return backend.sent[0]!;
    }

    it('delivers the message the caller built, field for field', async () => {
      const message = everyFieldMessage();
      const delivered = await throughQueue(message);
      expect(messageContent(delivered)).toEqual(messageContent(message));
    });

    it('keeps replyTo as replyTo, not as a header', async () => {
      const delivered = await throughQueue(new EmailMessage({ to: 'a@example.com', replyTo: ['r@example.com', 's@example.com'] }));
      expect(delivered.replyTo).toEqual(['r@example.com', 's@example.com']);
      expect(Object.keys(delivered.headers).map((name) => name.toLowerCase())).not.toContain('reply-to');
    });

    it('keeps the order of alternatives around the HTML part', async () => {
      const message = new EmailMessage({ to: 'a@example.com', body: 'text' });
      message.attachAlternative('<p>html</p>', 'text/html').attachAlternative('<amp>', 'text/x-amp-html');
      const delivered = await throughQueue(message);
      expect(delivered.alternatives.map((a) => a.mimetype)).toEqual(['text/html', 'text/x-amp-html']);
    });

    it('queues an rfc822 attachment and delivers it as a message', async () => {
      const inner = new EmailMessage({ subject: 'inner', to: 'x@example.com' });
      const delivered = await throughQueue(new EmailMessage({ to: 'a@example.com' }).attach('fwd.eml', inner));
      expect(delivered.attachments[0]!.mimetype).toBe('message/rfc822');
      expect(delivered.attachments[0]!.content).toBeInstanceOf(EmailMessage);
      expect((delivered.attachments[0]!.content as EmailMessage).subject).toBe('inner');
    });

    it('keeps contentId on a non-inline attachment, and attachment order when attachments are shared', async () => {
      const { outbox, backend } = await make();
      const a = new Uint8Array([1]);
      const b = new Uint8Array([2]);
      const first = new EmailMessage({ to: 'a@example.com' }).attach('a.bin', a).attach('b.bin', b);
      const second = new EmailMessage({ to: 'b@example.com' }).attach('b.bin', b).attach('a.bin', a);
      const third = new EmailMessage({ to: 'c@example.com' }).attach({ filename: 'r.pdf', content: a, contentId: 'cid@x', inline: false });
      await new OutboxEmailBackend({ outbox }).sendMessages([first, second, third]);
      await outbox.sendQueued();
      const byTo = new Map(backend.sent.map((m) => [m.to[0], m]));
      expect(byTo.get('b@example.com')!.attachments.map((x) => x.filename)).toEqual(['b.bin', 'a.bin']);
      expect(byTo.get('c@example.com')!.attachments[0]).toMatchObject({ inline: false, contentId: 'cid@x' });
    });

    it('holds a message with sendAt until then, and does not pass sendAt on to the ESP', async () => {
      const { outbox } = await make();
      const sendAt = new Date(Date.now() + 3_600_000);
      await new OutboxEmailBackend({ outbox }).sendMessages([new EmailMessage({ to: 'a@example.com', sendAt })]);
      const [row] = await outbox.db.selectFrom('outbox_email').select(['scheduled_time']).execute();
      expect(Number(row!.scheduled_time)).toBe(sendAt.getTime());
    });

    it('refuses at enqueue a value JSON cannot keep, naming the field', async () => {
      const { outbox } = await make();
      const message = new EmailMessage({ to: 'a@example.com', metadata: { when: new Date() as never } });
      await expect(new OutboxEmailBackend({ outbox }).sendMessages([message])).rejects.toThrow(/metadata\.when is a Date/);
    });
  });
}
