import { afterEach, describe, expect, it } from 'vitest';
import {
  assertHeaderName,
  assertHeaders,
  assertHeaderValue,
  assertNoHeaderInjection,
  BadHeaderError,
  EmailMessage,
  MemoryBackend,
  type EmailMessageInit,
} from '@anymail/core';

const valid: EmailMessageInit = {
  subject: 'Grüße',
  body: 'Body',
  from: 'Sender <from@example.com>',
  to: ['to@example.com'],
  cc: ['cc@example.com'],
  bcc: ['bcc@example.com'],
  replyTo: ['reply@example.com'],
  headers: { 'X-Campaign': 'spring' },
};

afterEach(() => {
  MemoryBackend.outbox.length = 0;
});

async function sendThroughMemory(message: EmailMessage, failSilently = false): Promise<number> {
  message.connection = new MemoryBackend({ failSilently });
  return message.send();
}

type Edit = (message: EmailMessage, bad: string) => void;

const fields: Array<[string, Edit]> = [
  ['subject', (message, bad) => (message.subject = `Hi${bad}Bcc: victim@example.com`)],
  ['from', (message, bad) => (message.from = `from@example.com${bad}Bcc: victim@example.com`)],
  ['to', (message, bad) => message.to.push(`x@example.com${bad}Bcc: victim@example.com`)],
  ['cc', (message, bad) => message.cc.push(`x@example.com${bad}Bcc: victim@example.com`)],
  ['bcc', (message, bad) => message.bcc.push(`x@example.com${bad}To: victim@example.com`)],
  ['replyTo', (message, bad) => message.replyTo.push(`x@example.com${bad}Bcc: victim@example.com`)],
  ['envelopeSender', (message, bad) => (message.envelopeSender = `bounce@example.com${bad}X: y`)],
  ['headers["X-Note"]', (message, bad) => (message.headers['X-Note'] = `one${bad}Bcc: victim@example.com`)],
  ['header name', (message, bad) => (message.headers[`X-Evil${bad}Bcc`] = 'victim@example.com')],
  ['mergeHeaders', (message, bad) => (message.mergeHeaders = { 'to@example.com': { 'X-Per': `a${bad}b` } })],
  ['attachments[0].filename', (message, bad) => message.attach(`a${bad}.txt`, 'text')],
  ['attachments[0].mimetype', (message, bad) => message.attach('a.bin', new Uint8Array([1]), `application/x${bad}X-Evil: 1`)],
  ['attachments[0].contentId', (message, bad) => message.attach({ content: new Uint8Array([1]), contentId: `id${bad}@x` })],
  ['alternatives[0].mimetype', (message, bad) => message.attachAlternative('<p>x</p>', `text/html${bad}X-Evil: 1`)],
];

describe('header injection through MemoryBackend', () => {
  it('sends a clean message (so the refusals below are about the newline)', async () => {
    const message = new EmailMessage(valid);
    message.attach('a.txt', 'text');
    message.attachAlternative('<p>x</p>', 'text/html');
    await expect(sendThroughMemory(message)).resolves.toBe(1);
    expect(MemoryBackend.outbox).toEqual([message]);
  });

  for (const [field, edit] of fields) {
    for (const [label, bad] of [
      ['LF', '\n'],
      ['CR', '\r'],
      ['CRLF', '\r\n'],
    ] as const) {
      it(`raises BadHeaderError for ${label} in ${field} and sends nothing`, async () => {
        const message = new EmailMessage(valid);
        edit(message, bad);
        const sending = sendThroughMemory(message);
        await expect(sending).rejects.toBeInstanceOf(BadHeaderError);
        await expect(sending).rejects.toMatchObject({ code: 'ANYMAIL_BAD_HEADER', category: 'invalid-request' });
        expect(MemoryBackend.outbox).toHaveLength(0);
        expect([...message.anymailStatus!.status]).toEqual(['failed']);
      });
    }
  }

  it('names the field in the error', async () => {
    const message = new EmailMessage({ ...valid, cc: ['ok@example.com', 'x@example.com\nBcc: y@example.com'] });
    await expect(sendThroughMemory(message)).rejects.toThrow(/for cc\b.*Remove the CR\/LF/);
  });

  it('with failSilently the message is dropped, not sent', async () => {
    const message = new EmailMessage({ ...valid, subject: 'a\nb' });
    await expect(sendThroughMemory(message, true)).resolves.toBe(0);
    expect(MemoryBackend.outbox).toHaveLength(0);
  });

  it('checks messages inside message/rfc822 attachments when building MIME', async () => {
    const inner = new EmailMessage({ ...valid, subject: 'inner\r\nBcc: victim@example.com' });
    const outer = new EmailMessage(valid);
    outer.attach('fwd.eml', inner);
    await expect(outer.message()).rejects.toBeInstanceOf(BadHeaderError);
  });
});

describe('header-safety helpers', () => {
  it('assertHeaderValue accepts text without CR/LF or other control characters, including Unicode and tabs', () => {
    expect(() => assertHeaderValue('subject', 'Grüße\tand more')).not.toThrow();
    expect(() => assertHeaderValue('subject', undefined)).not.toThrow();
    // U+2028 is a line break for some parsers: refused since issue #13 (item 3).
    expect(() => assertHeaderValue('subject', 'a\u2028b')).toThrow(BadHeaderError);
  });

  it('assertHeaderName refuses spaces, colons, control and non-ASCII characters, and empty names', () => {
    for (const name of ['X Campaign', 'X:Campaign', '', 'X-Ünïcode', 'X-Tab\t', 'X-Null\u0000']) {
      expect(() => assertHeaderName(name), JSON.stringify(name)).toThrow(BadHeaderError);
    }
    for (const name of ['X-Campaign', 'List-Unsubscribe-Post', 'X_Under.score!']) {
      expect(() => assertHeaderName(name)).not.toThrow();
    }
  });

  it('assertHeaders checks names and values and names the header in the message', () => {
    expect(() => assertHeaders({ 'X-A': 'ok', 'X-B': 'bad\nvalue' })).toThrow(/headers\["X-B"\]/);
    expect(() => assertHeaders(undefined)).not.toThrow();
  });

  it('assertNoHeaderInjection passes a clean message untouched', () => {
    const message = new EmailMessage(valid);
    expect(() => assertNoHeaderInjection(message)).not.toThrow();
    expect(message.subject).toBe('Grüße');
  });
});
