import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { AnymailInvalidAddress, BadHeaderError, decodeRfc2047, EmailMessage } from '@anymail/core';

async function render(message: EmailMessage): Promise<{ raw: string; mail: ParsedMail }> {
  const bytes = await message.message();
  expect(bytes).toBeInstanceOf(Uint8Array);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { raw: buffer.toString('utf8'), mail: await simpleParser(buffer, { keepCidLinks: true }) };
}

/** The top-level header block, unfolded. */
function headerBlock(raw: string): string {
  return raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
}

function headerValues(raw: string, name: string): string[] {
  const pattern = new RegExp(`^${name}: (.*)$`, 'gim');
  return [...headerBlock(raw).matchAll(pattern)].map((match) => match[1]!);
}

/** Content types of every part, in document order (the MIME tree, flattened). */
function partTypes(raw: string): string[] {
  return [...raw.matchAll(/^Content-Type: ([^;\r\n]+)/gim)].map((match) => match[1]!.toLowerCase());
}

function addresses(field: AddressObject | AddressObject[] | undefined): Array<[string, string]> {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((object) => object.value.map((entry) => [entry.name, entry.address ?? ''] as [string, string]));
}

const base = { subject: 'Hello', body: 'Body text', from: 'Sender <from@example.com>', to: 'to@example.com' };

describe('buildMime headers', () => {
  it('writes From, To, Cc, Reply-To, Subject, Date, Message-ID and extra headers, never Bcc', async () => {
    const message = new EmailMessage({
      ...base,
      to: ['"Doe, John" <john@example.com>, jane@example.com'],
      cc: 'Carl <carl@example.com>',
      bcc: ['hidden@example.com', 'Hidden Two <hidden2@example.com>'],
      replyTo: 'replies@example.com',
      headers: { 'X-Campaign': 'spring-2026', 'List-Unsubscribe': '<mailto:unsub@example.com>' },
    });
    const { raw, mail } = await render(message);
    expect(addresses(mail.from)).toEqual([['Sender', 'from@example.com']]);
    expect(addresses(mail.to)).toEqual([
      ['Doe, John', 'john@example.com'],
      ['', 'jane@example.com'],
    ]);
    expect(addresses(mail.cc)).toEqual([['Carl', 'carl@example.com']]);
    expect(addresses(mail.replyTo)).toEqual([['', 'replies@example.com']]);
    expect(mail.bcc).toBeUndefined();
    expect(raw).not.toContain('hidden');
    expect(mail.subject).toBe('Hello');
    expect(Math.abs(mail.date!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(mail.messageId).toMatch(/^<[^<>@\s]+@example\.com>$/);
    expect(mail.headers.get('x-campaign')).toBe('spring-2026');
    expect(headerValues(raw, 'List-Unsubscribe')).toEqual(['<mailto:unsub@example.com>']);
    expect(headerValues(raw, 'MIME-Version')).toEqual(['1.0']);
  });

  it('lets a given Message-ID and Date header win, once each', async () => {
    const message = new EmailMessage({
      ...base,
      headers: { 'message-id': '<custom.123@example.com>', Date: 'Tue, 01 Jan 2030 10:00:00 +0000' },
    });
    const { raw, mail } = await render(message);
    expect(headerValues(raw, 'Message-ID')).toEqual(['<custom.123@example.com>']);
    expect(headerValues(raw, 'Date')).toEqual(['Tue, 01 Jan 2030 10:00:00 +0000']);
    expect(mail.date!.toISOString()).toBe('2030-01-01T10:00:00.000Z');
  });

  it('lets From, To, Reply-To and Subject headers replace the fields in the header only (Django)', async () => {
    const message = new EmailMessage({
      ...base,
      headers: { From: 'Display <display@example.com>', To: 'list@example.com', 'Reply-To': 'r@example.com', Subject: 'Shown' },
    });
    const { raw } = await render(message);
    expect(headerValues(raw, 'From')).toEqual(['Display <display@example.com>']);
    expect(headerValues(raw, 'To')).toEqual(['list@example.com']);
    expect(headerValues(raw, 'Reply-To')).toEqual(['r@example.com']);
    expect(headerValues(raw, 'Subject')).toEqual(['Shown']);
    expect(message.recipients()).toEqual(['to@example.com']);
  });

  it('uses webmaster@localhost when the message has no sender', async () => {
    const { mail } = await render(new EmailMessage({ subject: 's', body: 'b', to: 'to@example.com' }));
    expect(addresses(mail.from)).toEqual([['', 'webmaster@localhost']]);
  });

  it('RFC 2047-encodes non-ASCII names, subject and header values, and punycodes IDN domains', async () => {
    const message = new EmailMessage({
      subject: 'Grüße aus Köln, 東京',
      body: 'x',
      from: '"Müller, Jörg" <joerg@bücher.example>',
      to: 'Zoë Ångström <zoe@例え.jp>',
      headers: { 'X-Note': 'naïve café' },
    });
    const { raw, mail } = await render(message);
    const headers = headerBlock(raw);
    expect(headers).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    expect(headerValues(raw, 'From')[0]).toMatch(/^=\?UTF-8\?[QB]\?.+\?= <joerg@xn--bcher-kva\.example>$/i);
    expect(headerValues(raw, 'To')[0]).toMatch(/<zoe@xn--r8jz45g\.jp>$/);
    expect(addresses(mail.from)[0]![0]).toBe('Müller, Jörg');
    expect(addresses(mail.to)[0]![0]).toBe('Zoë Ångström');
    expect(mail.subject).toBe('Grüße aus Köln, 東京');
    // mailparser leaves unknown headers encoded; the encoded-word must decode back to the text.
    expect(headerValues(raw, 'X-Note')[0]).toMatch(/^=\?UTF-8\?[QB]\?[^?]+\?=$/i);
    expect(decodeRfc2047(headerValues(raw, 'X-Note')[0]!)).toBe('naïve café');
  });

  it('decodes encoded-word names given as input before writing them again', async () => {
    const { mail } = await render(new EmailMessage({ ...base, to: '=?utf-8?q?J=C3=B6rg?= <j@example.com>' }));
    expect(addresses(mail.to)).toEqual([['Jörg', 'j@example.com']]);
  });

  it('keeps a non-ASCII local part as UTF-8 (SMTPUTF8), punycoding only the domain', async () => {
    const { raw } = await render(new EmailMessage({ ...base, to: 'jörg@bücher.example' }));
    expect(headerValues(raw, 'To')).toEqual(['jörg@xn--bcher-kva.example']);
  });

  it('refuses a bad address, naming the field', async () => {
    await expect(new EmailMessage({ ...base, cc: ['ok@example.com', 'broken'] }).message()).rejects.toThrow(
      /Invalid email address in cc: "broken"/,
    );
    await expect(new EmailMessage({ ...base, from: 'a@example.com, b@example.com' }).message()).rejects.toBeInstanceOf(
      AnymailInvalidAddress,
    );
  });

  it('checks header injection before building', async () => {
    await expect(new EmailMessage({ ...base, subject: 'Hi\r\nBcc: victim@example.com' }).message()).rejects.toBeInstanceOf(
      BadHeaderError,
    );
  });

  it('refuses Content-Type and Content-Transfer-Encoding in headers, which would break the MIME structure', async () => {
    for (const name of ['Content-Type', 'content-transfer-encoding']) {
      const message = new EmailMessage({ ...base, headers: { [name]: 'text/html' } });
      await expect(message.message()).rejects.toThrow(new RegExp(`headers can't set ${name.toLowerCase()}`));
    }
  });

  it('writes CRLF lines of at most 998 characters', async () => {
    const message = new EmailMessage({ ...base, subject: 'word '.repeat(100), body: 'x'.repeat(5000) });
    message.attach('big.bin', new Uint8Array(10_000).fill(7));
    const { raw } = await render(message);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  });
});

describe('buildMime body', () => {
  it("puts the body in a single text/plain part for contentSubtype 'plain'", async () => {
    const { raw, mail } = await render(new EmailMessage({ ...base, body: 'Plain ünïcode body' }));
    expect(partTypes(raw)).toEqual(['text/plain']);
    expect(mail.text?.trimEnd()).toBe('Plain ünïcode body');
    expect(mail.html || undefined).toBeUndefined();
  });

  it("puts the body in a single text/html part for contentSubtype 'html'", async () => {
    const { raw, mail } = await render(new EmailMessage({ ...base, body: '<b>Bold</b>', contentSubtype: 'html' }));
    expect(partTypes(raw)).toEqual(['text/html']);
    expect(mail.html && mail.html.trimEnd()).toBe('<b>Bold</b>');
  });

  it('builds multipart/alternative from the body, a text/html and an AMP alternative', async () => {
    const message = new EmailMessage(base);
    message.attachAlternative('<p>HTML</p>', 'text/html');
    message.attachAlternative('<html ⚡4email><body>AMP</body></html>', 'text/x-amp-html');
    const { raw, mail } = await render(message);
    expect(partTypes(raw)).toEqual(['multipart/alternative', 'text/plain', 'text/x-amp-html', 'text/html']);
    expect(mail.text).toBe('Body text');
    expect(mail.html).toBe('<p>HTML</p>');
    const amp = mail.attachments.find((part) => part.contentType === 'text/x-amp-html');
    expect(amp?.content.toString('utf8')).toBe('<html ⚡4email><body>AMP</body></html>');
  });

  it('adds other alternative types as extra alternative parts', async () => {
    const message = new EmailMessage(base);
    message.attachAlternative('<p>HTML</p>', 'text/html');
    message.attachAlternative('BEGIN:VCALENDAR\r\nEND:VCALENDAR', 'text/calendar; method=REQUEST');
    const { raw } = await render(message);
    expect(partTypes(raw)).toEqual(['multipart/alternative', 'text/plain', 'text/html', 'text/calendar']);
    expect(raw).toMatch(/Content-Type: text\/calendar; method=REQUEST; charset=utf-8/);
  });

  it('sends an HTML-only message when the body is empty', async () => {
    const message = new EmailMessage({ ...base, body: '' });
    message.attachAlternative('<p>only</p>', 'text/html');
    const { raw } = await render(message);
    expect(partTypes(raw)).toEqual(['text/html']);
  });
});

describe('buildMime attachments', () => {
  it('attaches text (UTF-8) and binary content byte for byte, with Unicode filenames', async () => {
    const allBytes = Uint8Array.from({ length: 256 }, (_, index) => index);
    const message = new EmailMessage(base);
    message.attach('notes.csv', 'name,city\nJörg,Köln\n');
    message.attach('bytes.bin', allBytes);
    message.attach('résumé 履歴書.pdf', new Uint8Array([37, 80, 68, 70]), 'application/pdf');
    const { raw, mail } = await render(message);
    expect(partTypes(raw)).toEqual(['multipart/mixed', 'text/plain', 'text/csv', 'application/octet-stream', 'application/pdf']);
    const [csv, bin, pdf] = mail.attachments;
    expect(csv).toMatchObject({ filename: 'notes.csv', contentType: 'text/csv', contentDisposition: 'attachment' });
    expect(csv!.content.toString('utf8')).toBe('name,city\nJörg,Köln\n');
    expect(raw).toMatch(/Content-Type: text\/csv; charset=utf-8/);
    expect([...bin!.content]).toEqual([...allBytes]);
    expect(pdf!.filename).toBe('résumé 履歴書.pdf');
    expect(mail.text).toBe('Body text');
  });

  it('sends the bytes of a Uint8Array view, not its whole underlying buffer', async () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const message = new EmailMessage(base);
    message.attach('slice.bin', backing.subarray(2, 4));
    const { mail } = await render(message);
    expect([...mail.attachments[0]!.content]).toEqual([3, 4]);
  });

  it('keeps a message of attachments only as multipart/mixed with an empty text part', async () => {
    const message = new EmailMessage({ ...base, body: '' });
    message.attach('a.bin', new Uint8Array([1]));
    const { raw, mail } = await render(message);
    expect(partTypes(raw)).toEqual(['multipart/mixed', 'text/plain', 'application/octet-stream']);
    expect(mail.attachments).toHaveLength(1);
  });

  it('puts inline images with the HTML in multipart/related, so cid: links resolve', async () => {
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
    const message = new EmailMessage(base);
    const cid = message.attachInlineImage(png, { filename: 'logo.png' });
    message.attachAlternative(`<img src="cid:${cid}">`, 'text/html');
    message.attach('report.txt', 'report');
    const { raw, mail } = await render(message);
    expect(partTypes(raw)).toEqual([
      'multipart/mixed',
      'multipart/alternative',
      'text/plain',
      'multipart/related',
      'text/html',
      'image/png',
      'text/plain',
    ]);
    expect(raw).toContain(`Content-ID: <${cid}>`);
    const image = mail.attachments.find((part) => part.cid === cid)!;
    expect(image).toMatchObject({ related: true, contentDisposition: 'inline', filename: 'logo.png' });
    expect([...image.content]).toEqual([...png]);
    expect(mail.html).toBe(`<img src="cid:${cid}">`);
  });

  it('keeps a non-inline attachment with a Content-ID as an attachment', async () => {
    const message = new EmailMessage(base);
    message.attachAlternative('<p>x</p>', 'text/html');
    message.attach({ filename: 'data.bin', content: new Uint8Array([9]), contentId: 'fixed@example.com', inline: false });
    const { raw, mail } = await render(message);
    expect(partTypes(raw)).toEqual(['multipart/mixed', 'multipart/alternative', 'text/plain', 'text/html', 'application/octet-stream']);
    expect(raw).toContain('Content-ID: <fixed@example.com>');
    expect(mail.attachments[0]!.contentDisposition).toBe('attachment');
    expect(mail.attachments[0]!.related).toBeFalsy();
  });

  it('renders a message/rfc822 attachment from its EmailMessage, recursively', async () => {
    const innermost = new EmailMessage({ subject: 'Innermost', body: 'deep', from: 'c@example.com', to: 'd@example.com' });
    const inner = new EmailMessage({
      subject: 'Fwd: Grüße',
      body: 'inner body',
      from: 'Inner Sender <inner@example.com>',
      to: 'x@example.com',
      bcc: 'secret@example.com',
    });
    inner.attach(undefined, innermost);
    const outer = new EmailMessage(base);
    outer.attach('forwarded.eml', inner);
    const { raw, mail } = await render(outer);
    expect(raw).toContain('Content-Type: message/rfc822');
    expect(raw).toContain('Content-Transfer-Encoding: 7bit');
    const attached = mail.attachments.find((part) => part.contentType === 'message/rfc822')!;
    expect(attached.filename).toBe('forwarded.eml');
    const nested = await simpleParser(attached.content);
    expect(nested.subject).toBe('Fwd: Grüße');
    expect(nested.text).toBe('inner body');
    expect(addresses(nested.from)).toEqual([['Inner Sender', 'inner@example.com']]);
    expect(attached.content.toString('utf8')).not.toContain('secret@example.com');
    const deepest = nested.attachments.find((part) => part.contentType === 'message/rfc822')!;
    expect((await simpleParser(deepest.content)).subject).toBe('Innermost');
  });
});
