import { readFileSync } from 'node:fs';
import { AnymailUnsupportedFeature, EmailMessage, type EspRequest } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { PostmarkBackend } from '../src/index.js';
import type { PostmarkRequestContext } from '../src/postmark-payload.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

async function build(message: EmailMessage, options: { ignore?: boolean; messageStream?: string } = {}): Promise<EspRequest> {
  const backend = new PostmarkBackend({ serverToken: 'server-token', messageStream: options.messageStream, ignoreUnsupportedFeatures: options.ignore ?? false });
  return backend.previewRequest(message);
}

const body = (request: EspRequest): any => JSON.parse(request.body as string);
const context = (request: EspRequest) => request.context as PostmarkRequestContext;

async function unsupportedFeature(message: EmailMessage): Promise<string> {
  const error = await build(message).catch((e: unknown) => e);
  expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
  return (error as AnymailUnsupportedFeature).feature;
}

describe('Postmark payload: a From header (Anymail: from becomes the envelope sender)', () => {
  it('is unsupported when from is another address (Postmark has no envelope sender)', async () => {
    const message = new EmailMessage({ from: 'bounces@example.com', to: ['to@example.com'], body: 'Body', headers: { From: 'Shown <shown@example.com>' } });
    expect(await unsupportedFeature(message)).toBe('envelopeSender');
  });

  it('replaces From (not a Headers entry) when the envelope is ignored or the same address', async () => {
    const message = new EmailMessage({ from: 'bounces@example.com', to: ['to@example.com'], body: 'Body', headers: { From: 'Shown <shown@example.com>', 'X-Other': '1' } });
    const sent = body(await build(message, { ignore: true }));
    expect(sent.From).toBe('Shown <shown@example.com>');
    expect(sent.Headers).toEqual([{ Name: 'X-Other', Value: '1' }]);
    const renamed = new EmailMessage({ from: 'shown@example.com', to: ['to@example.com'], body: 'Body', headers: { from: 'New Name <shown@example.com>' } });
    const renamedBody = body(await build(renamed));
    expect(renamedBody.From).toBe('New Name <shown@example.com>');
    expect(renamedBody.Headers).toBeUndefined();
  });
});

describe('Postmark payload: the documented single-send example', () => {
  it('builds the request body of Postmark’s "send a single email" example', async () => {
    const message = new EmailMessage({
      from: 'sender@example.com',
      to: ['receiver@example.com'],
      cc: ['copied@example.com'],
      bcc: ['blind-copied@example.com'],
      replyTo: ['reply@example.com'],
      subject: 'Test',
      body: 'Hello',
      headers: { 'CUSTOM-HEADER': 'value' },
      tags: ['Invitation'],
      metadata: { color: 'blue', 'client-id': '12345' },
      trackOpens: true,
      espExtra: { TrackLinks: 'HtmlOnly' },
    });
    message.attachAlternative('<b>Hello</b> <img src="cid:image.jpg"/>', 'text/html');
    message.attach('readme.txt', 'test content', 'text/plain');
    message.attach('report.pdf', new TextEncoder().encode('test content'), 'application/octet-stream');
    message.attach({ filename: 'image.jpg', content: new TextEncoder().encode('test content'), mimetype: 'image/jpeg', contentId: 'image.jpg' });
    const request = await build(message, { messageStream: 'outbound' });
    expect(request.method).toBe('POST');
    expect(request.path).toBe('email');
    expect(body(request)).toEqual(fixture('postmark-email-request.json'));
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-postmark-server-token': 'server-token',
    });
    expect(context(request).messages).toEqual([{ to: ['receiver@example.com'], cc: ['copied@example.com'], bcc: ['blind-copied@example.com'] }]);
  });

  it('comma-joins recipients with display names, quoting names that hold commas', async () => {
    const message = new EmailMessage({
      from: 'Sender <sender@example.com>',
      to: ['one@example.com', '"Two, Esq." <two@example.com>'],
      subject: 's',
      body: 'b',
    });
    expect(body(await build(message))).toMatchObject({ From: 'Sender <sender@example.com>', To: 'one@example.com, "Two, Esq." <two@example.com>' });
  });

  it('maps trackClicks false to TrackLinks None', async () => {
    const message = new EmailMessage({ from: 'a@example.com', to: ['b@example.com'], body: 'b', trackClicks: false });
    expect(body(await build(message)).TrackLinks).toBe('None');
  });

  it('renders a message/rfc822 attachment and base64-encodes it', async () => {
    const inner = new EmailMessage({ from: 'x@example.com', to: ['y@example.com'], subject: 'Inner', body: 'inner body' });
    const message = new EmailMessage({ from: 'a@example.com', to: ['b@example.com'], body: 'b' });
    message.attach('forwarded.eml', inner);
    const [attachment] = body(await build(message)).Attachments;
    expect(attachment.ContentType).toBe('message/rfc822');
    expect(Buffer.from(attachment.Content, 'base64').toString('utf8')).toContain('Subject: Inner');
  });

  it('lets espExtra set the server token and Postmark fields, and refuses unknown fields', async () => {
    const message = new EmailMessage({ from: 'a@example.com', to: ['b@example.com'], body: 'b', espExtra: { serverToken: 'other', MessageStream: 'broadcast', InlineCss: false } });
    const request = await build(message, { messageStream: 'outbound' });
    expect(request.headers['x-postmark-server-token']).toBe('other');
    expect(context(request).serverToken).toBe('other');
    expect(body(request)).toMatchObject({ MessageStream: 'broadcast', InlineCss: false });
    const unknown = new EmailMessage({ from: 'a@example.com', to: ['b@example.com'], body: 'b', espExtra: { SendAt: 'tomorrow' } });
    const error = await build(unknown).catch((e: unknown) => e);
    expect((error as AnymailUnsupportedFeature).feature).toBe('espExtra');
    expect((error as Error).message).toContain('"SendAt"');
  });
});

describe('Postmark payload: unsupported features', () => {
  const base = () => new EmailMessage({ from: 'a@example.com', to: ['b@example.com'], subject: 's', body: 'b' });

  it('raises for sendAt, envelopeSender, AMP and other alternatives', async () => {
    const sendAt = base();
    sendAt.sendAt = new Date('2030-01-01T00:00:00Z');
    expect(await unsupportedFeature(sendAt)).toBe('sendAt');
    const envelope = base();
    envelope.envelopeSender = 'bounces@example.com';
    expect(await unsupportedFeature(envelope)).toBe('envelopeSender');
    expect(await unsupportedFeature(base().attachAlternative('<html ⚡4email></html>', 'text/x-amp-html'))).toBe('ampBody');
    expect(await unsupportedFeature(base().attachAlternative('BEGIN:VCALENDAR', 'text/calendar'))).toBe('alternatives');
  });

  it('raises for more than one tag, and keeps the first with ignoreUnsupportedFeatures', async () => {
    const message = base();
    message.tags = ['one', 'two'];
    expect(await unsupportedFeature(message)).toBe('tags');
    expect(body(await build(message, { ignore: true })).Tag).toBe('one');
  });

  it('raises for mergeData and mergeGlobalData without a template (not silently ignored)', async () => {
    const merge = base();
    merge.mergeData = { 'b@example.com': { name: 'B' } };
    expect(await unsupportedFeature(merge)).toBe('mergeData');
    const global = base();
    global.mergeGlobalData = { site: 'Example' };
    expect(await unsupportedFeature(global)).toBe('mergeGlobalData');
  });

  it('raises for a subject or body sent with a template (the template supplies them)', async () => {
    const message = base();
    message.templateId = 'welcome';
    expect(await unsupportedFeature(message)).toBe('subject');
  });

  it('raises for nested metadata values', async () => {
    const message = base();
    message.metadata = { nested: { a: 1 } };
    expect(await unsupportedFeature(message)).toBe('metadata');
  });
});

describe('Postmark payload: endpoint choice', () => {
  const templated = (templateId: string) =>
    new EmailMessage({ from: 'a@example.com', to: ['one@example.com', 'Two <two@example.com>'], templateId, mergeGlobalData: { site: 'Example' } });

  it('sends a numeric templateId as TemplateId to email/withTemplate', async () => {
    const request = await build(templated('12345'));
    expect(request.path).toBe('email/withTemplate');
    expect(body(request)).toEqual({
      From: 'a@example.com',
      To: 'one@example.com, Two <two@example.com>',
      TemplateId: 12345,
      TemplateModel: { site: 'Example' },
    });
  });

  it('sends any other templateId as TemplateAlias', async () => {
    const request = await build(templated('welcome-v2'));
    expect(body(request)).toMatchObject({ TemplateAlias: 'welcome-v2' });
    expect(body(request).TemplateId).toBeUndefined();
  });

  it('sends mergeData as one message per To recipient to email/batchWithTemplates', async () => {
    const message = templated('welcome');
    message.cc = ['cc@example.com'];
    message.mergeData = { 'one@example.com': { name: 'One' }, 'two@example.com': { name: 'Two' } };
    message.mergeMetadata = { 'one@example.com': { order: '1' } };
    message.mergeHeaders = { 'two@example.com': { 'X-Order': '2' } };
    message.metadata = { campaign: 'c' };
    const request = await build(message);
    expect(request.path).toBe('email/batchWithTemplates');
    expect(body(request)).toEqual({
      Messages: [
        { From: 'a@example.com', To: 'one@example.com', Cc: 'cc@example.com', TemplateAlias: 'welcome', TemplateModel: { site: 'Example', name: 'One' }, Metadata: { campaign: 'c', order: '1' } },
        { From: 'a@example.com', To: 'Two <two@example.com>', Cc: 'cc@example.com', TemplateAlias: 'welcome', TemplateModel: { site: 'Example', name: 'Two' }, Metadata: { campaign: 'c' }, Headers: [{ Name: 'X-Order', Value: '2' }] },
      ],
    });
    expect(context(request).messages).toEqual([
      { to: ['one@example.com'], cc: ['cc@example.com'], bcc: [] },
      { to: ['two@example.com'], cc: ['cc@example.com'], bcc: [] },
    ]);
  });

  it('sends mergeMetadata without a template to email/batch, one message per recipient', async () => {
    const message = new EmailMessage({ from: 'a@example.com', to: ['one@example.com', 'two@example.com'], subject: 's', body: 'b' });
    message.mergeMetadata = { 'one@example.com': { order: 1 }, 'two@example.com': { order: 2 } };
    const request = await build(message);
    expect(request.path).toBe('email/batch');
    expect(body(request).map((m: { To: string; Metadata: unknown }) => [m.To, m.Metadata])).toEqual([
      ['one@example.com', { order: '1' }],
      ['two@example.com', { order: '2' }],
    ]);
  });
});
