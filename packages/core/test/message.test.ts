import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AnymailInvalidAddress,
  DEFAULT_ATTACHMENT_MIMETYPE,
  EmailMessage,
  EmailMultiAlternatives,
  guessMimetype,
  MemoryBackend,
} from '@anymail/core';

const tempDir = mkdtempSync(join(tmpdir(), 'anymail-message-test-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

function tempFile(name: string, content: string | Uint8Array): string {
  const path = join(tempDir, name);
  writeFileSync(path, content);
  return path;
}

const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9]); // "café" in ISO-8859-1: not valid UTF-8

function newMessage(): EmailMessage {
  return new EmailMessage({ subject: 'S', body: 'B', from: 'from@example.com', to: 'to@example.com' });
}

describe('attach (Django rules)', () => {
  it('keeps a string for a text/* attachment, guessing the type from the filename', () => {
    const message = newMessage().attach('notes.txt', 'Grüße');
    expect(message.attachments).toEqual([
      { filename: 'notes.txt', content: 'Grüße', mimetype: 'text/plain', inline: false, contentId: undefined },
    ]);
  });

  it('decodes UTF-8 bytes given for a text/* type', () => {
    const message = newMessage().attach('data.csv', new TextEncoder().encode('a,b\nä,ö'));
    expect(message.attachments[0]).toMatchObject({ content: 'a,b\nä,ö', mimetype: 'text/csv' });
  });

  it('turns non-UTF-8 bytes for a text/* type into application/octet-stream, bytes unchanged', () => {
    const guessed = newMessage().attach('legacy.txt', latin1);
    expect(guessed.attachments[0]).toMatchObject({ content: latin1, mimetype: 'application/octet-stream' });
    const explicit = newMessage().attach('legacy', latin1, 'text/plain');
    expect(explicit.attachments[0]!.mimetype).toBe(DEFAULT_ATTACHMENT_MIMETYPE);
  });

  it('keeps bytes for binary types, and uses application/octet-stream when the type is unknown', () => {
    const bytes = new Uint8Array([0, 255]);
    const message = newMessage().attach('photo.JPG', bytes).attach('blob.unknownext', bytes).attach(undefined, bytes);
    expect(message.attachments.map((a) => a.mimetype)).toEqual(['image/jpeg', 'application/octet-stream', 'application/octet-stream']);
    expect(message.attachments[0]!.content).toBe(bytes);
  });

  it('takes an EmailMessage as a message/rfc822 attachment', () => {
    const inner = newMessage();
    const message = newMessage().attach('forwarded.eml', inner).attach({ content: inner, mimetype: 'application/x-whatever' });
    expect(message.attachments.map((a) => [a.mimetype, a.content])).toEqual([
      ['message/rfc822', inner],
      ['message/rfc822', inner],
    ]);
  });

  it('takes an object with a fixed Content-ID, inline unless inline: false', () => {
    const message = newMessage()
      .attach({ filename: 'a.png', content: new Uint8Array([1]), contentId: 'one@example.com' })
      .attach({ filename: 'b.png', content: new Uint8Array([2]), contentId: 'two@example.com', inline: false })
      .attach({ filename: 'c.png', content: new Uint8Array([3]), inline: true });
    expect(message.attachments.map((a) => [a.inline, a.contentId])).toEqual([
      [true, 'one@example.com'],
      [false, 'two@example.com'],
      [true, expect.stringMatching(/^[^<>\s]+@anymail\.invalid$/)],
    ]);
  });

  it('applies the same rules to attachments given to the constructor', () => {
    const message = new EmailMessage({
      attachments: [{ filename: 'x.txt', content: new TextEncoder().encode('hi') }, { filename: 'y.txt', content: latin1 }],
    });
    expect(message.attachments.map((a) => [a.content, a.mimetype])).toEqual([
      ['hi', 'text/plain'],
      [latin1, 'application/octet-stream'],
    ]);
  });
});

describe('attachFile', () => {
  it('reads the file and guesses its type from the name', () => {
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0xff]);
    const message = newMessage().attachFile(tempFile('report.pdf', pdf));
    expect(message.attachments[0]).toMatchObject({ filename: 'report.pdf', mimetype: 'application/pdf' });
    expect([...(message.attachments[0]!.content as Uint8Array)]).toEqual([...pdf]);
  });

  it('decodes a UTF-8 text file, and sends a non-UTF-8 one as application/octet-stream', () => {
    const message = newMessage()
      .attachFile(tempFile('readme.md', 'Ünïcode **text**'))
      .attachFile(tempFile('old.txt', latin1));
    expect(message.attachments.map((a) => [a.filename, a.mimetype, a.content])).toEqual([
      ['readme.md', 'text/markdown', 'Ünïcode **text**'],
      ['old.txt', 'application/octet-stream', new Uint8Array(latin1)],
    ]);
  });

  it('uses a given type over the guess, and application/octet-stream for unknown extensions', () => {
    const message = newMessage()
      .attachFile(tempFile('data.bin2', new Uint8Array([1])))
      .attachFile(tempFile('invite.dat', 'BEGIN:VCALENDAR'), 'text/calendar');
    expect(message.attachments.map((a) => a.mimetype)).toEqual(['application/octet-stream', 'text/calendar']);
    expect(message.attachments[1]!.content).toBe('BEGIN:VCALENDAR');
  });

  it('throws for a missing file', () => {
    expect(() => newMessage().attachFile(join(tempDir, 'missing.txt'))).toThrow(/ENOENT/);
  });
});

describe('guessMimetype', () => {
  it('maps known extensions case-insensitively and returns undefined otherwise', () => {
    expect(guessMimetype('Photo.JPEG')).toBe('image/jpeg');
    expect(guessMimetype('archive.tar.gz')).toBe('application/gzip');
    expect(guessMimetype('forward.eml')).toBe('message/rfc822');
    expect(guessMimetype('noextension')).toBeUndefined();
    expect(guessMimetype(undefined)).toBeUndefined();
  });
});

describe('alternatives, inline images and contentSubtype in the MIME', () => {
  it('attachAlternative adds a part; attachInlineImage returns a Content-ID that is in the MIME', async () => {
    const message = newMessage();
    const cid = message.attachInlineImage(new Uint8Array([0xff, 0xd8, 0xff]), { filename: 'logo.jpg' });
    expect(message.attachAlternative(`<img src="cid:${cid}">`, 'text/html')).toBe(message);
    expect(message.alternatives).toEqual([{ content: `<img src="cid:${cid}">`, mimetype: 'text/html' }]);
    expect(message.attachments[0]).toMatchObject({ mimetype: 'image/jpeg', inline: true, contentId: cid });

    const raw = Buffer.from(await message.message());
    expect(raw.toString()).toContain(`Content-ID: <${cid}>`);
    const mail = await simpleParser(raw, { keepCidLinks: true });
    expect(mail.text).toBe('B');
    expect(mail.html).toBe(`<img src="cid:${cid}">`);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]).toMatchObject({ cid, related: true, contentType: 'image/jpeg', filename: 'logo.jpg' });
  });

  it('attachInlineImage keeps a given Content-ID and defaults to image/png', () => {
    const message = newMessage();
    expect(message.attachInlineImage(new Uint8Array([1]), { contentId: 'logo@example.com' })).toBe('logo@example.com');
    expect(message.attachments[0]).toMatchObject({ mimetype: 'image/png', contentId: 'logo@example.com', filename: undefined });
  });

  it('gives every inline image its own Content-ID', () => {
    const message = newMessage();
    const ids = new Set(Array.from({ length: 50 }, () => message.attachInlineImage(new Uint8Array([1]))));
    expect(ids.size).toBe(50);
  });

  it("contentSubtype 'html' sends the body as the HTML part", async () => {
    const message = new EmailMessage({ body: '<h1>Hi</h1>', contentSubtype: 'html', from: 'f@example.com', to: 't@example.com' });
    expect(message.contentSubtype).toBe('html');
    const mail = await simpleParser(Buffer.from(await message.message()));
    expect(mail.html && mail.html.trim()).toBe('<h1>Hi</h1>');
    expect(new EmailMessage().contentSubtype).toBe('plain');
  });

  it('EmailMultiAlternatives is the same class', () => {
    expect(new EmailMultiAlternatives()).toBeInstanceOf(EmailMessage);
  });
});

describe('recipients', () => {
  it('recipients() lists to, cc and bcc in order, without empty strings', () => {
    const message = new EmailMessage({ to: ['a@example.com', ''], cc: 'B <b@example.com>', bcc: ['c@example.com'] });
    expect(message.recipients()).toEqual(['a@example.com', 'B <b@example.com>', 'c@example.com']);
  });

  it('recipientEmails() parses names and lists to bare addresses', () => {
    const message = new EmailMessage({ to: '"Doe, J" <j@example.com>, k@example.com', bcc: 'L <l@bücher.example>' });
    expect(message.recipientEmails()).toEqual(['j@example.com', 'k@example.com', 'l@bücher.example']);
    expect(() => new EmailMessage({ to: 'nope' }).recipientEmails()).toThrow(AnymailInvalidAddress);
  });

  it('send() with no recipients sends nothing and returns 0', async () => {
    MemoryBackend.outbox.length = 0;
    const message = new EmailMessage({ subject: 'S', connection: new MemoryBackend() });
    await expect(message.send()).resolves.toBe(0);
    expect(MemoryBackend.outbox).toHaveLength(0);
  });
});

describe('clone', () => {
  it('copies every field into an independent message', () => {
    const inner = newMessage();
    const original = new EmailMessage({
      subject: 'S',
      body: 'B',
      from: 'f@example.com',
      to: ['t@example.com'],
      cc: ['c@example.com'],
      bcc: ['b@example.com'],
      replyTo: ['r@example.com'],
      headers: { 'X-A': '1' },
      metadata: { nested: { n: 1 } },
      tags: ['t1'],
      sendAt: new Date('2030-01-01T00:00:00Z'),
      mergeData: { 't@example.com': { name: 'T' } },
      mergeHeaders: { 't@example.com': { 'X-B': '2' } },
      espExtra: { key: 'value' },
    });
    original.attach('a.txt', 'text').attach('fwd.eml', inner).attachAlternative('<p>x</p>', 'text/html');
    const copy = original.clone();
    expect(copy).not.toBe(original);
    expect({ ...copy }).toEqual({ ...original });

    copy.to.push('x@example.com');
    copy.cc.length = 0;
    copy.bcc.push('y@example.com');
    copy.replyTo[0] = 'z@example.com';
    copy.headers['X-A'] = 'changed';
    (copy.metadata!.nested as { n: number }).n = 2;
    copy.tags!.push('t2');
    (copy.sendAt as Date).setUTCFullYear(2040);
    copy.mergeData!['t@example.com']!.name = 'changed';
    copy.mergeHeaders!['t@example.com']!['X-B'] = 'changed';
    copy.espExtra!.key = 'changed';
    copy.attachments[0]!.filename = 'renamed.txt';
    copy.attach('b.txt', 'more');
    copy.alternatives[0]!.content = 'changed';
    copy.subject = 'changed';

    expect(original.to).toEqual(['t@example.com']);
    expect(original.cc).toEqual(['c@example.com']);
    expect(original.bcc).toEqual(['b@example.com']);
    expect(original.replyTo).toEqual(['r@example.com']);
    expect(original.headers).toEqual({ 'X-A': '1' });
    expect(original.metadata).toEqual({ nested: { n: 1 } });
    expect(original.tags).toEqual(['t1']);
    expect((original.sendAt as Date).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(original.mergeData).toEqual({ 't@example.com': { name: 'T' } });
    expect(original.mergeHeaders).toEqual({ 't@example.com': { 'X-B': '2' } });
    expect(original.espExtra).toEqual({ key: 'value' });
    expect(original.attachments.map((a) => a.filename)).toEqual(['a.txt', 'fwd.eml']);
    expect(original.alternatives[0]!.content).toBe('<p>x</p>');
    expect(original.subject).toBe('S');
  });

  it('does not carry the send status over', async () => {
    MemoryBackend.outbox.length = 0;
    const original = new EmailMessage({ to: 't@example.com', connection: new MemoryBackend() });
    await original.send();
    expect(original.anymailStatus).toBeDefined();
    expect(original.clone().anymailStatus).toBeUndefined();
    MemoryBackend.outbox.length = 0;
  });
});
