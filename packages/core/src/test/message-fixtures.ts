// Test data shared by the codec's tests and the outbox's round-trip suite.
import { EmailMessage, type EmailMessageInit } from '../message.js';

/**
 * A message with every field set, in the shapes that are easy to lose on the way (alternatives
 * around the HTML part, inline and non-inline Content-IDs, bytes, an attached message);
 * `overrides` replaces fields of the constructor's init.
 */
export function everyFieldMessage(overrides: Partial<EmailMessageInit> = {}): EmailMessage {
  const inner = new EmailMessage({ subject: 'Inner', body: 'forwarded', from: 'x@example.com', to: 'y@example.com', replyTo: 'z@example.com' });
  inner.attach('inner.bin', new Uint8Array([1, 2, 3]));
  const message = new EmailMessage({
    subject: 'Every field',
    body: 'plain text',
    from: 'Ann <ann@example.com>',
    to: ['bob@example.com', 'Carl <carl@example.com>'],
    cc: 'cc@example.com',
    bcc: ['bcc@example.com'],
    replyTo: ['Reply <reply@example.com>', 'other@example.com'],
    headers: { 'X-Campaign': 'spring' },
    envelopeSender: 'bounces@example.com',
    metadata: { user: 42, nested: { list: [1, 'two', null, true] } },
    tags: ['welcome', 'onboarding'],
    trackClicks: false,
    trackOpens: true,
    templateId: 'tmpl-1',
    mergeData: { 'bob@example.com': { name: 'Bob' } },
    mergeGlobalData: { product: 'Anymail' },
    mergeMetadata: { 'bob@example.com': { order: 7 } },
    mergeHeaders: { 'bob@example.com': { 'List-Unsubscribe': '<https://u.example/b>' } },
    espExtra: { MessageStream: 'broadcast', nested: { a: [1, 2] } },
    ...overrides,
  });
  message.attachAlternative('<amp>', 'text/x-amp-html');
  message.attachAlternative('<p>html</p>', 'text/html');
  message.attachAlternative('watch', 'text/watch-html');
  message.attach('notes.txt', 'Grüße');
  message.attach('bytes.bin', new Uint8Array([0, 255, 128]));
  message.attach({ filename: 'logo.png', content: new Uint8Array([137, 80]), contentId: 'logo@example.com' });
  message.attach({ filename: 'ref.pdf', content: new Uint8Array([37, 80]), contentId: 'not-inline@example.com', inline: false });
  message.attach(undefined, new Uint8Array([9]));
  message.attach('forwarded.eml', inner);
  return message;
}

/** A message's content as comparable data (connection and status left out). */
export function messageContent(message: EmailMessage): Record<string, unknown> {
  const { connection: _connection, anymailStatus: _status, ...rest } = message;
  return {
    ...rest,
    attachments: message.attachments.map((a) => ({
      ...a,
      content: a.content instanceof EmailMessage ? messageContent(a.content) : a.content instanceof Uint8Array ? [...a.content] : a.content,
    })),
  };
}
