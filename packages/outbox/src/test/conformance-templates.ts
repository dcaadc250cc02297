import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './outbox-store-conformance.js';

/** Templates as post_office has them. */
export function templateCases({ make }: ConformanceContext): void {
  describe('templates as post_office', () => {
    it('renders the subject and message given at send with the context when there is no template', async () => {
      const { outbox, backend } = await make();
      const email = await outbox.send({ recipients: 'a@example.com', subject: 'Hi {{ name }}', message: 'Welcome home, {{ name }}!', htmlMessage: '<b>{{ name }}</b>', context: { name: '<Ann>' } });
      expect(email).toMatchObject({ subject: 'Hi <Ann>', message: 'Welcome home, <Ann>!', htmlMessage: '<b>&lt;Ann&gt;</b>' });
      await outbox.sendQueued();
      expect(backend.sent[0]).toMatchObject({ subject: 'Hi <Ann>', body: 'Welcome home, <Ann>!' });
      // Without a context the strings are sent as given, braces and all.
      expect((await outbox.send({ recipients: 'b@example.com', subject: 'Literal {{ x }}' })).subject).toBe('Literal {{ x }}');
    });

    it('uses the translation named by language with a template object', async () => {
      const { outbox } = await make();
      const base = await outbox.templates.create({ name: 'greet', subject: 'Hello {{ name }}' });
      await outbox.templates.create({ name: 'greet', language: 'id', subject: 'Halo {{ name }}' });
      const email = await outbox.send({ recipients: 'a@example.com', template: base, language: 'id', context: { name: 'Budi' } });
      expect(email.subject).toBe('Halo Budi');
    });

    it('raises for a missing translation unless templateLanguageFallback is set', async () => {
      const strict = await make();
      await strict.outbox.templates.create({ name: 'only-default', subject: 'Default' });
      await expect(strict.outbox.send({ recipients: 'a@example.com', template: 'only-default', language: 'fr' })).rejects.toThrow(/no 'fr' translation/);
      const lenient = await make({ templateLanguageFallback: true });
      expect((await lenient.outbox.send({ recipients: 'a@example.com', template: 'only-default', language: 'fr' })).subject).toBe('Default');
    });
  });
}
