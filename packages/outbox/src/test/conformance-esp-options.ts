import type { Insertable } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AnymailError, EmailMessage } from '@anymail/core';
import { OutboxEmailBackend } from '../outbox-email-backend.js';
import { OutboxInvalidEmail, type OutboxSendInput } from '../outbox-enqueue.js';
import { MESSAGE_ESP_FIELDS, type OutboxEspOptions } from '../outbox-esp-options.js';
import type { OutboxEmailTable } from '../outbox-schema.js';
import type { ConformanceContext } from './outbox-store-conformance.js';

/** Every EmailMessage ESP feature, with values that show whether JSON kept them unchanged. */
const FEATURES = {
  envelopeSender: 'bounces@example.com',
  metadata: { orderId: 42, ratio: 0.125, vip: true, note: null, nested: { list: [1, 'two', null, false, { deep: [] }] }, 'key with space': '' },
  tags: ['receipt', 'spring sale'],
  trackClicks: true,
  trackOpens: false,
  templateId: 'tmpl-123',
  mergeData: { 'b@example.com': { name: 'Bea', items: [{ sku: 'A1', qty: 2 }] }, 'c@example.com': {} },
  mergeGlobalData: { shop: 'Example', unicode: 'ünïcødé ✓ \u2028 "quoted" \\ \u0001' },
  mergeMetadata: { 'b@example.com': { customer: 7 } },
  mergeHeaders: { 'b@example.com': { 'List-Unsubscribe': '<https://example.com/u/7>' } },
  espExtra: { message_stream: 'outbound', options: { sandbox: false, emptyObject: {}, emptyList: [] } },
} satisfies Required<Omit<OutboxEspOptions, 'alternatives'>>;

const AMP = { content: '<!doctype html><html ⚡4email><body>amp</body></html>', mimetype: 'text/x-amp-html' };
const HTML = { content: '<p>html</p>', mimetype: 'text/html' };

/** An outbox_email row as the version before migration 0002 wrote it: no esp_options column. */
export function rowFromBeforeEspOptions(subject: string, now = Date.now()): Omit<Insertable<OutboxEmailTable>, 'esp_options'> {
  return {
    from_email: 'old@example.com',
    to: JSON.stringify(['old-row@example.com']),
    cc: '[]',
    bcc: '[]',
    subject,
    message: 'text',
    html_message: '<p>html</p>',
    headers: JSON.stringify({ 'X-Old': 'yes' }),
    priority: 1,
    status: 'queued',
    scheduled_time: null,
    expires_at: null,
    number_of_retries: 0,
    attempts: 0,
    backend_alias: 'default',
    template_id: null,
    language: '',
    context: null,
    render_on_delivery: 0,
    message_id: null,
    locked_by: null,
    locked_until: null,
    created: now,
    last_updated: now,
  };
}

/** The ESP features of a delivered message, as a plain object. */
function featuresOf(message: EmailMessage): Record<string, unknown> {
  return Object.fromEntries(MESSAGE_ESP_FIELDS.map((field) => [field, message[field]]));
}

export function espOptionsCases({ make }: ConformanceContext): void {
  describe('ESP options', () => {
    it('OutboxEmailBackend queues every ESP feature and the delivery backend gets them unchanged', async () => {
      const { outbox, backend } = await make();
      const queueing = new OutboxEmailBackend({ outbox });
      const message = new EmailMessage({
        subject: 'features',
        body: 'text',
        from: 'a@example.com',
        to: ['b@example.com', 'c@example.com'],
        connection: queueing,
        ...structuredClone(FEATURES),
      });
      // AMP before HTML, as AMP asks: the order must survive the queue.
      message.attachAlternative(AMP.content, AMP.mimetype);
      message.attachAlternative(HTML.content, HTML.mimetype);
      expect(await message.send()).toBe(1);
      const [stored] = await outbox.db.selectFrom('outbox_email').select(['id', 'html_message']).execute();
      expect(stored!.html_message).toBe(HTML.content);
      expect((await outbox.get(Number(stored!.id)))!.espOptions).toEqual({ ...FEATURES, alternatives: [AMP] });
      expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
      const delivered = backend.sent[0]!;
      expect(featuresOf(delivered)).toStrictEqual(FEATURES);
      expect(delivered.alternatives).toStrictEqual([AMP, HTML]);
      expect(delivered).toMatchObject({ subject: 'features', body: 'text', contentSubtype: 'plain', to: ['b@example.com', 'c@example.com'] });
    });

    it('OutboxEmailBackend keeps alternatives in their order when text/html is not last, and on an HTML body', async () => {
      const { outbox, backend } = await make();
      const queueing = new OutboxEmailBackend({ outbox });
      const htmlFirst = new EmailMessage({ subject: 'html first', body: 'text', to: ['a@example.com'], alternatives: [HTML, AMP] });
      const htmlBody = new EmailMessage({ subject: 'html body', body: '<p>body</p>', contentSubtype: 'html', to: ['a@example.com'], alternatives: [AMP] });
      expect(await queueing.sendMessages([htmlFirst, htmlBody])).toBe(2);
      await outbox.sendQueued();
      const bySubject = new Map(backend.sent.map((m) => [m.subject, m]));
      expect(bySubject.get('html first')!.alternatives).toStrictEqual([HTML, AMP]);
      expect(bySubject.get('html body')).toMatchObject({ body: '<p>body</p>', contentSubtype: 'html', alternatives: [AMP] });
    });

    it('outbox.send({ espOptions }) delivers them, places extra alternatives before htmlMessage, and returns them on the email', async () => {
      const { outbox, backend } = await make();
      const espOptions: OutboxEspOptions = { ...structuredClone(FEATURES), mergeData: {}, alternatives: [AMP] };
      const [withOptions, plain] = await outbox.sendMany([
        { recipients: 'b@example.com', subject: 'direct', message: 'text', htmlMessage: HTML.content, espOptions },
        { recipients: 'c@example.com', subject: 'plain', message: 'text', espOptions: { tags: undefined } },
      ]);
      expect(withOptions!.espOptions).toStrictEqual(espOptions);
      expect((await outbox.get(withOptions!.id))!.espOptions).toStrictEqual(espOptions);
      expect(plain!.espOptions).toBeNull();
      expect(await outbox.sendQueued()).toEqual({ sent: 2, failed: 0, requeued: 0 });
      const bySubject = new Map(backend.sent.map((m) => [m.subject, m]));
      const delivered = bySubject.get('direct')!;
      // An empty mergeData still asks the ESP for a batch send, so it must arrive as {}.
      expect(featuresOf(delivered)).toStrictEqual({ ...FEATURES, mergeData: {} });
      expect(delivered.alternatives).toStrictEqual([AMP, HTML]);
      const untouched = featuresOf(new EmailMessage());
      expect(featuresOf(bySubject.get('plain')!)).toStrictEqual(untouched);
    });

    it('priority now delivers the ESP options within send', async () => {
      const { outbox, backend } = await make();
      const email = await outbox.send({ recipients: 'now@example.com', priority: 'now', espOptions: { tags: ['urgent'], metadata: { id: 1 } } });
      expect(email.status).toBe('sent');
      expect(backend.sent[0]).toMatchObject({ tags: ['urgent'], metadata: { id: 1 } });
    });

    const refused: Array<[string, OutboxSendInput['espOptions'], RegExp]> = [
      ['a Date in metadata', { metadata: { when: new Date() as never } }, /espOptions\.metadata\.when is a Date.*toISOString\(\)/],
      ['a function in espExtra', { espExtra: { options: { callback: () => 1 } } }, /espOptions\.espExtra\.options\.callback is a function, which JSON cannot store/],
      ['a BigInt in mergeGlobalData', { mergeGlobalData: { total: 10n as never } }, /espOptions\.mergeGlobalData\.total is a BigInt.*String\(value\)/],
      ['NaN in mergeData', { mergeData: { 'b@example.com': { score: Number.NaN } } }, /espOptions\.mergeData\["b@example\.com"\]\.score is NaN, which JSON stores as null/],
      ['a Map in espExtra', { espExtra: { lookup: new Map([['a', 1]]) } }, /espOptions\.espExtra\.lookup is a Map.*Object\.fromEntries/],
      ['undefined inside a list', { metadata: { list: [1, undefined as never] } }, /espOptions\.metadata\.list\[1\] is undefined inside a list/],
      ['a class instance', { espExtra: { at: new URL('https://example.com') } }, /espOptions\.espExtra\.at is a URL object.*plain object/],
      ['tags given as a string', { tags: 'one' as never }, /espOptions\.tags must be a list of strings/],
      ['sendAt in espOptions', { sendAt: new Date() } as never, /no field 'sendAt'.*scheduledTime/],
      ['an unknown field', { metadta: {} } as never, /no field 'metadta'.*Known fields: envelopeSender, metadata/],
    ];
    for (const [what, espOptions, message] of refused) {
      it(`refuses ${what} with OutboxInvalidEmail naming the field, and queues nothing`, async () => {
        const { outbox } = await make();
        const error = await outbox
          .sendMany([{ recipients: 'ok@example.com', espOptions: { tags: ['fine'] } }, { recipients: 'bad@example.com', espOptions }])
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(OutboxInvalidEmail);
        expect(AnymailError.isInstance(error) && error.category).toBe('invalid-request');
        expect((error as Error).message).toMatch(message);
        expect(await outbox.db.selectFrom('outbox_email').select('id').execute()).toEqual([]);
      });
    }

    it('refuses a cycle', async () => {
      const { outbox } = await make();
      const espExtra: Record<string, unknown> = {};
      espExtra['self'] = { parent: espExtra };
      await expect(outbox.send({ recipients: 'a@example.com', espOptions: { espExtra } })).rejects.toThrow(
        /espOptions\.espExtra\.self\.parent refers back to an object that contains it/,
      );
    });

    it('OutboxEmailBackend refuses a message whose metadata JSON cannot keep, and queues nothing', async () => {
      const { outbox } = await make();
      const queueing = new OutboxEmailBackend({ outbox });
      const good = new EmailMessage({ to: ['a@example.com'], metadata: { fine: true } });
      const bad = new EmailMessage({ to: ['b@example.com'], metadata: { when: new Date() as never } });
      await expect(queueing.sendMessages([good, bad])).rejects.toThrow(/message\.metadata\.when is a Date/);
      expect(await new OutboxEmailBackend({ outbox, failSilently: true }).sendMessages([bad])).toBe(0);
      expect(await outbox.db.selectFrom('outbox_email').select('id').execute()).toEqual([]);
    });

    it('a row from before the esp_options column (null) delivers as before, with no ESP features', async () => {
      const { outbox, backend } = await make();
      await outbox.db.insertInto('outbox_email').values(rowFromBeforeEspOptions('old row')).execute();
      const [row] = await outbox.db.selectFrom('outbox_email').select(['id', 'esp_options']).execute();
      expect(row!.esp_options).toBeNull();
      expect((await outbox.get(Number(row!.id)))!.espOptions).toBeNull();
      expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
      const delivered = backend.sent[0]!;
      expect(delivered).toMatchObject({ subject: 'old row', body: 'text', from: 'old@example.com', to: ['old-row@example.com'], headers: { 'X-Old': 'yes' } });
      expect(delivered.alternatives).toStrictEqual([HTML]);
      expect(featuresOf(delivered)).toStrictEqual(featuresOf(new EmailMessage()));
    });
  });
}
