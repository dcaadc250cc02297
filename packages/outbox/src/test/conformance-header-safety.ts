import { describe, expect, it } from 'vitest';
import { AnymailError } from '@anymail/core';
import type { OutboxSendInput } from '../outbox-enqueue.js';
import type { ConformanceContext } from './outbox-store-conformance.js';

const CRLF_NAME = '=?utf-8?q?Name=0D=0ABcc:_evil@attacker.test?=';

/** Issue #13: header-bound values are refused when queued, with core's one rule, not stored for delivery. */
export function headerSafetyCases({ make }: ConformanceContext): void {
  describe('header safety at enqueue', () => {
    const refused: Array<[string, OutboxSendInput]> = [
      ['CRLF in the subject', { subject: 'Hi\r\nBcc: evil@attacker.test' }],
      ['NUL in the subject', { subject: 'Hi\u0000' }],
      ['CRLF in a header value', { headers: { 'X-Note': 'a\r\nBcc: evil@attacker.test' } }],
      ['a bad header name', { headers: { 'X-Note\r\nBcc': 'evil@attacker.test' } }],
      ['an encoded-word sender name that decodes to CRLF', { sender: `${CRLF_NAME} <from@example.com>` }],
      ['an encoded-word recipient name that decodes to CRLF', { recipients: [`${CRLF_NAME} <to@example.com>`] }],
      ['U+2028 in a cc', { cc: ['"a\u2028b" <cc@example.com>'] }],
      ['a control character in an attachment name', { attachments: { 'a\u001b.txt': new Uint8Array([1]) } }],
      ['a control character in a tag', { espOptions: { tags: ['a\u000bb'] } }],
      ['CRLF in mergeHeaders', { espOptions: { mergeHeaders: { 'to@example.com': { 'X-Per': 'a\r\nb' } } } }],
    ];
    for (const [what, input] of refused) {
      it(`refuses ${what} and queues nothing`, async () => {
        const { outbox } = await make();
        const error = await outbox.send({ recipients: 'to@example.com', subject: 'ok', ...input }).catch((caught: unknown) => caught);
        expect(AnymailError.isInstance(error), String(error)).toBe(true);
        expect((error as AnymailError).category).toBe('invalid-request');
        expect(await outbox.db.selectFrom('outbox_email').select('id').execute()).toEqual([]);
      });
    }

    it('queues ordinary Unicode, tabs and encoded-word names', async () => {
      const { outbox } = await make();
      const email = await outbox.send({ recipients: '=?utf-8?q?Zo=C3=AB?= <to@example.com>', subject: 'Grüße\tà tous', headers: { 'X-A': 'ünï' } });
      expect(email.status).toBe('queued');
    });
  });
}
