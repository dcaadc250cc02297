import { describe, expect, it } from 'vitest';
import {
  AnymailSerializationError,
  decodeMessage,
  EmailMessage,
  encodeMessage,
  MemoryBackend,
  MESSAGE_CODEC_VERSION,
  messageFromJson,
  messageToJson,
} from '@anymail/core';
import { everyFieldMessage, messageContent } from '@anymail/core/test';

/** Every field, plus what only a direct send carries (a caller's Message-ID, a send time). */
function everyField(): EmailMessage {
  return everyFieldMessage({
    headers: { 'X-Campaign': 'spring', 'Message-ID': '<id@example.com>' },
    sendAt: new Date('2030-01-02T03:04:05.678Z'),
  });
}

describe('message codec', () => {
  it('round-trips every field through JSON text', () => {
    const message = everyField();
    const back = messageFromJson(messageToJson(message));
    expect(messageContent(back)).toEqual(messageContent(message));
    expect(back.sendAt).toBeInstanceOf(Date);
    expect(back.attachments.map((a) => [a.filename, a.inline, a.contentId])).toEqual(
      message.attachments.map((a) => [a.filename, a.inline, a.contentId]),
    );
    expect(back.alternatives.map((a) => a.mimetype)).toEqual(['text/x-amp-html', 'text/html', 'text/watch-html']);
    expect(back.attachments[5]!.content).toBeInstanceOf(EmailMessage);
    expect((back.attachments[5]!.content as EmailMessage).replyTo).toEqual(['z@example.com']);
  });

  it('gives the same MIME after a round trip', async () => {
    const message = everyField();
    message.headers['Date'] = 'Tue, 01 Dec 2026 10:00:00 +0000';
    const back = decodeMessage(JSON.parse(JSON.stringify(encodeMessage(message))));
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).replace(/_NmP-[0-9a-f]+-Part/g, '_NmP-X-Part').replace(/^(Message-ID|Date): .*$/gm, '$1: X');
    expect(text(await back.message())).toBe(text(await message.message()));
  });

  it('keeps epoch-second sendAt as a number and an html body as html', () => {
    const message = new EmailMessage({ body: '<b>x</b>', contentSubtype: 'html', to: 'a@example.com', sendAt: 1_900_000_000 });
    const back = messageFromJson(messageToJson(message));
    expect(back.sendAt).toBe(1_900_000_000);
    expect(back.contentSubtype).toBe('html');
    expect(back.from).toBeUndefined();
  });

  it('writes a version, and does not keep the connection or status', () => {
    const message = new EmailMessage({ to: 'a@example.com', connection: new MemoryBackend() });
    const encoded = encodeMessage(message);
    expect(encoded.v).toBe(MESSAGE_CODEC_VERSION);
    expect(JSON.stringify(encoded)).not.toContain('connection');
    expect(decodeMessage(encoded).connection).toBeUndefined();
  });

  it('copies: editing the message after encoding does not change the data', () => {
    const message = new EmailMessage({ to: 'a@example.com', metadata: { a: 1 } });
    const encoded = encodeMessage(message);
    message.metadata!['a'] = 2;
    expect(encoded.metadata).toEqual({ a: 1 });
  });

  it.each([
    ['metadata.when', (m: EmailMessage) => (m.metadata = { when: new Date() as never })],
    ['espExtra.count', (m: EmailMessage) => (m.espExtra = { count: 10n })],
    ['espExtra.callback', (m: EmailMessage) => (m.espExtra = { callback: () => 1 })],
    ['mergeGlobalData.ratio', (m: EmailMessage) => (m.mergeGlobalData = { ratio: Number.NaN })],
    ['espExtra.ids', (m: EmailMessage) => (m.espExtra = { ids: new Set([1]) })],
    ['tags[1]', (m: EmailMessage) => (m.tags = ['a', undefined as never])],
    ['message.subject', (m: EmailMessage) => (m.subject = 42 as never)],
    ['message.attachments[0].content', (m: EmailMessage) => m.attachments.push({ filename: 'x', content: {} as never, mimetype: 'a/b', inline: false, contentId: undefined })],
    ['message.sendAt', (m: EmailMessage) => (m.sendAt = new Date('nope'))],
  ])('refuses a value JSON cannot keep, naming %s', (field, spoil) => {
    const message = new EmailMessage({ to: 'a@example.com' });
    spoil(message);
    expect(() => encodeMessage(message)).toThrow(AnymailSerializationError);
    expect(() => encodeMessage(message)).toThrow(field);
  });

  it('refuses a message attached to itself', () => {
    const message = new EmailMessage({ to: 'a@example.com' });
    message.attach('self.eml', message);
    expect(() => encodeMessage(message)).toThrow(/attached .*to itself/);
  });

  it('refuses data of another version or shape, naming the field', () => {
    const good = encodeMessage(new EmailMessage({ to: 'a@example.com' }));
    expect(() => decodeMessage({ ...good, v: 99 })).toThrow(/message\.v is 99.*version 1/);
    expect(() => decodeMessage({ ...good, to: 'a@example.com' })).toThrow(/message\.to must be a list of strings/);
    expect(() => decodeMessage({ ...good, attachments: [{ mimetype: 'a/b', inline: false }] })).toThrow(/attachments\[0\] must be one of text, base64 or message/);
    expect(() => messageFromJson('{')).toThrow(AnymailSerializationError);
  });
});
