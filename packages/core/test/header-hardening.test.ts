// Regression tests for issue #13 items 1, 3, 4 and 5: what the pre-send check and the address
// parser refuse (decoded display names, control characters, RFC 5321 limits, plain-JS types).
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnymailError,
  AnymailInvalidAddress,
  assertHeaderValue,
  assertNoHeaderInjection,
  BadHeaderError,
  EmailMessage,
  MemoryBackend,
  parseAddress,
  parseAddressList,
  type EmailMessageInit,
} from '@anymail/core';

const valid: EmailMessageInit = { subject: 'Hi', body: 'Body', from: 'from@example.com', to: ['to@example.com'] };

afterEach(() => {
  MemoryBackend.outbox.length = 0;
});

async function refusal(edit: (message: EmailMessage) => void): Promise<unknown> {
  const message = new EmailMessage({ ...valid, connection: new MemoryBackend() });
  edit(message);
  const error = await message.send().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(MemoryBackend.outbox).toHaveLength(0);
  return error;
}

const CRLF_NAME = '=?utf-8?q?Name=0D=0ABcc:_evil@attacker.test?=';

describe('item 1: encoded-word display names are checked once decoded', () => {
  it.each([
    ['q-encoded CRLF', `${CRLF_NAME} <a@example.com>`],
    ['b-encoded CRLF', `=?utf-8?b?${Buffer.from('Name\r\nBcc: evil@attacker.test').toString('base64')}?= <a@example.com>`],
    ['encoded-word inside quotes', `"${CRLF_NAME}" <a@example.com>`],
    ['encoded NUL', '=?utf-8?q?a=00b?= <a@example.com>'],
    ['encoded U+2028', `=?utf-8?b?${Buffer.from('a\u2028b').toString('base64')}?= <a@example.com>`],
    ['encoded U+0085', `=?utf-8?b?${Buffer.from('a\u0085b').toString('base64')}?= <a@example.com>`],
    // Found by the fuzz suite: an encoded-word whose text is another encoded-word (of "a\0b").
    ['a nested encoded NUL', `=?utf-8?b?${Buffer.from('=?utf-8?b?YQBi?="x').toString('base64')}?= <a@example.com>`],
  ])('the parser refuses a name with %s', (_label, value) => {
    expect(() => parseAddress(value, 'to')).toThrow(AnymailInvalidAddress);
    expect(() => parseAddressList([value], 'cc')).toThrow(/in cc:.*control character or line break/);
  });

  it.each(['from', 'to', 'cc', 'bcc', 'replyTo', 'envelopeSender'] as const)('the pre-send check refuses it in %s', async (field) => {
    const error = await refusal((message) => {
      const value = `${CRLF_NAME} <a@example.com>`;
      if (field === 'from' || field === 'envelopeSender') message[field] = value;
      else message[field].push(value);
    });
    expect(AnymailInvalidAddress.isInstance(error) || BadHeaderError.isInstance(error)).toBe(true);
    expect(String(error)).toContain(field);
  });

  it('still accepts encoded-word names that decode to plain text', () => {
    expect(parseAddress('=?utf-8?q?Zo=C3=AB?= <a@example.com>', 'to').displayName).toBe('Zoë');
  });
});

const CONTROLS: Array<[string, string]> = [
  ['NUL', '\u0000'],
  ['ESC', '\u001b'],
  ['VT', '\u000b'],
  ['FF', '\u000c'],
  ['DEL', '\u007f'],
  ['C1 U+0085', '\u0085'],
  ['C1 U+009B', '\u009b'],
  ['U+2028', '\u2028'],
  ['U+2029', '\u2029'],
];

type Edit = (message: EmailMessage, bad: string) => void;
const FIELDS: Array<[string, Edit]> = [
  ['subject', (m, bad) => (m.subject = `Hi${bad}there`)],
  ['headers["X-Note"]', (m, bad) => (m.headers['X-Note'] = `a${bad}b`)],
  ['attachments[0].filename', (m, bad) => m.attach(`a${bad}.txt`, 'text')],
  ['attachments[0].mimetype', (m, bad) => m.attach('a.bin', new Uint8Array([1]), `application/x${bad}y`)],
  ['from', (m, bad) => (m.from = `"Na${bad}me" <from@example.com>`)],
  ['to', (m, bad) => m.to.push(`Na${bad}me <x@example.com>`)],
  ['bcc', (m, bad) => m.bcc.push(`"x${bad}y"@example.com`)],
  ['tags', (m, bad) => (m.tags = [`t${bad}`])],
  ['metadata', (m, bad) => (m.metadata = { [`k${bad}`]: 'v' })],
];

describe('item 3: control characters other than CR/LF', () => {
  for (const [field, edit] of FIELDS) {
    it.each(CONTROLS)(`refuses %s in ${field}`, async (_label, bad) => {
      const error = await refusal((message) => edit(message, bad));
      expect(AnymailError.isInstance(error)).toBe(true);
      expect(String(error)).toContain(field.replace(/\[.*$/, ''));
    });
  }

  it('checks header values once fully RFC 2047-decoded, nested words included', () => {
    expect(() => assertHeaderValue('subject', '=?utf-8?q?a=0D=0Ab?=')).toThrow(BadHeaderError);
    expect(() => assertHeaderValue('subject', `=?utf-8?b?${Buffer.from('=?utf-8?q?a=0D=0Ab?=').toString('base64')}?=`)).toThrow(BadHeaderError);
    expect(() => assertHeaderValue('subject', '=?utf-8?q?Gr=C3=BC=C3=9Fe?=')).not.toThrow();
  });

  it('names the character and the field', () => {
    expect(() => assertHeaderValue('subject', 'a\u001bb')).toThrow(/subject.*U\+001B/);
  });

  it('keeps accepting tabs and ordinary Unicode', () => {
    expect(() => assertHeaderValue('subject', 'Grüße\tand 😀 more')).not.toThrow();
    expect(() => assertNoHeaderInjection(new EmailMessage({ ...valid, subject: 'a\tb', tags: ['été'], metadata: { k: 'v\u00e9' } }))).not.toThrow();
  });

  it('refuses control characters in the MIME path too (message())', async () => {
    await expect(new EmailMessage({ ...valid, subject: 'a\u0000b' }).message()).rejects.toBeInstanceOf(BadHeaderError);
    const message = new EmailMessage(valid);
    message.attach('a\u001b.txt', 'text');
    await expect(message.message()).rejects.toBeInstanceOf(BadHeaderError);
  });
});

describe('item 4: the address parser refuses what RFC 5321/5322 forbid', () => {
  it.each([
    ['NUL in a quoted local part', '"a\u0000b"@example.com'],
    ['ESC in a quoted local part', '"a\u001bb"@example.com'],
    ['< in a quoted local part', '"a<b"@example.com'],
    ['> in a quoted local part', '"a>b"@example.com'],
    ['U+0085 in a quoted local part', '"a\u0085b"@example.com'],
    ['C1 in a dot-atom local part', 'a\u0085b@example.com'],
    ['NUL in a domain literal', 'user@[192.0.2.1\u0000]'],
    ['< in a domain literal', 'user@[<192.0.2.1>]'],
    ['a domain literal that is no address', 'user@[not an address]'],
    ['a 65-octet local part', `${'a'.repeat(65)}@example.com`],
    ['a 33-character local part of 2-byte characters (66 octets)', `${'é'.repeat(33)}@example.com`],
    ['a 100 000-character local part', `${'a'.repeat(100_000)}@example.com`],
    ['a 100 000-character quoted local part', `"${'a '.repeat(50_000)}"@example.com`],
    ['a 64-octet domain label', `user@${'a'.repeat(64)}.example.com`],
    ['a domain over 255 octets', `user@${`${'a'.repeat(60)}.`.repeat(5)}com`],
    ['an address over 254 octets', `${'a'.repeat(64)}@${`${'b'.repeat(60)}.`.repeat(3)}${'c'.repeat(10)}.com`],
    ['C1 in the domain', 'user@exa\u0085mple.com'],
  ])('%s', (_label, value) => {
    expect(() => parseAddress(value, 'replyTo')).toThrow(AnymailInvalidAddress);
    expect(() => parseAddress(value, 'replyTo')).toThrow(/in replyTo/);
    expect(() => parseAddress(`Name <${value}>`, 'to')).toThrow(AnymailInvalidAddress);
  });

  it.each([
    `${'a'.repeat(64)}@example.com`,
    '"john doe"@example.com',
    '"a\\"b"@example.com',
    'user@[192.0.2.1]',
    'user@[IPv6:2001:db8::1]',
    `user@${'a'.repeat(63)}.example.com`,
    'zoë@bücher.example',
  ])('still accepts %s', (value) => {
    expect(() => parseAddress(value, 'to')).not.toThrow();
  });
});

describe('item 5: plain-JS values of the wrong type get Anymail errors, not crashes', () => {
  const asAny = (value: unknown) => value as never;

  it.each([
    ['to', { to: asAny(5) }],
    ['cc', { cc: asAny([5]) }],
    ['bcc', { bcc: asAny({}) }],
    ['replyTo', { replyTo: asAny(null) }],
    ['to', { to: asAny([10n]) }],
  ])('the constructor refuses a non-string %s', (field, init) => {
    let error: unknown;
    try {
      new EmailMessage({ ...valid, ...(init as EmailMessageInit) });
    } catch (e) {
      error = e;
    }
    expect(AnymailInvalidAddress.isInstance(error)).toBe(true);
    expect(String(error)).toContain(field);
  });

  it.each([
    ['to', (m: EmailMessage) => m.to.push(asAny(5))],
    ['from', (m: EmailMessage) => (m.from = asAny(5))],
    ['from', (m: EmailMessage) => (m.from = '   ')],
    ['envelopeSender', (m: EmailMessage) => (m.envelopeSender = asAny(5))],
    ['subject', (m: EmailMessage) => (m.subject = asAny(5))],
    ['headers["X-N"]', (m: EmailMessage) => (m.headers['X-N'] = asAny(5))],
    ['attachments[0].filename', (m: EmailMessage) => m.attach(asAny(5), 'text', 'text/plain')],
    ['tags', (m: EmailMessage) => (m.tags = asAny([5]))],
  ])('the pre-send check refuses a bad %s with an Anymail error naming it', async (field, edit) => {
    const error = await refusal(edit);
    expect(AnymailError.isInstance(error)).toBe(true);
    expect(String(error)).toContain(field);
  });
});
