import { readFileSync } from 'node:fs';
import { AnymailUnsupportedFeature, BadHeaderError, EmailMessage, type EspRequest } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { MailjetBackend } from '../src/index.js';
import type { MailjetRequestContext } from '../src/mailjet-payload.js';
import { expectValidSend } from './support/mailjet-schema.js';

const fixture = (name: string): any => JSON.parse(readFileSync(new URL(`./fixtures/send/${name}`, import.meta.url), 'utf8'));
const KEYS = { apiKey: 'public-key', secretKey: 'private-key' };

async function build(message: EmailMessage, options: { ignore?: boolean } = {}): Promise<EspRequest<MailjetRequestContext>> {
  return new MailjetBackend({ ...KEYS, ignoreUnsupportedFeatures: options.ignore ?? false }).previewRequest(message);
}
const body = (request: EspRequest<MailjetRequestContext>): any => JSON.parse(request.body as string);

async function unsupportedFeature(message: EmailMessage): Promise<string> {
  const error = await build(message).catch((e: unknown) => e);
  expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
  return (error as AnymailUnsupportedFeature).feature;
}

describe('Mailjet payload: the documented examples', () => {
  it('builds the body of Mailjet’s "Send a basic email" example, with basic auth, to POST send', async () => {
    const documented = fixture('send-basic-request.json');
    const entry = documented.Messages[0];
    const message = new EmailMessage({
      from: `${entry.From.Name} <${entry.From.Email}>`,
      to: [`${entry.To[0].Name} <${entry.To[0].Email}>`],
      subject: entry.Subject,
      body: entry.TextPart,
    });
    message.attachAlternative(entry.HTMLPart, 'text/html');
    const request = await build(message);
    expect(request).toMatchObject({ method: 'POST', path: 'send' });
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('public-key:private-key').toString('base64')}`);
    expect(body(request)).toEqual(documented);
    expectValidSend(body(request));
  });

  it('builds the To/Cc/Bcc example', async () => {
    const documented = fixture('send-to-cc-bcc-request.json');
    const entry = documented.Messages[0];
    const name = (contact: { Name: string; Email: string }) => `${contact.Name} <${contact.Email}>`;
    const message = new EmailMessage({
      from: name(entry.From), to: entry.To.map(name), cc: entry.Cc.map(name), bcc: entry.Bcc.map(name),
      subject: entry.Subject, body: entry.TextPart,
    });
    message.attachAlternative(entry.HTMLPart, 'text/html');
    expect(body(await build(message))).toEqual(documented);
  });

  it('builds the sandbox example from espExtra.SandboxMode', async () => {
    const documented = fixture('send-sandbox-request.json');
    const entry = documented.Messages[0];
    const message = new EmailMessage({ from: `${entry.From.Name} <${entry.From.Email}>`, to: [`${entry.To[0].Name} <${entry.To[0].Email}>`],
      subject: entry.Subject, body: entry.TextPart, espExtra: { SandboxMode: true } });
    message.attachAlternative(entry.HTMLPart, 'text/html');
    const request = await build(message);
    expect(body(request)).toEqual(documented);
    expect(request.context.sandbox).toBe(true);
  });
});

describe('Mailjet payload: Anymail features', () => {
  const base = () => new EmailMessage({ from: 'Shop <shop@example.com>', to: ['a@example.com', 'B <b@example.com>'], subject: 'Hi', body: 'Text' });

  it('puts everything a full message has where the Send API v3.1 takes it (and passes the documented schema)', async () => {
    const message = base();
    Object.assign(message, {
      cc: ['c@example.com'], bcc: ['d@example.com'], replyTo: ['Replies <r@example.com>'], headers: { 'X-Thing': '1' },
      envelopeSender: 'bounces@example.com', metadata: { order: 'A-1', n: 2 }, tags: ['receipts'], trackClicks: false, trackOpens: true,
    });
    message.attachAlternative('<p>HTML <img src="cid:logo"></p>', 'text/html');
    message.attach('a.txt', 'hello', 'text/plain');
    message.attach({ filename: 'logo.png', content: new Uint8Array([1, 2, 3]), mimetype: 'image/png', contentId: 'logo', inline: true });
    const sent = body(await build(message));
    expectValidSend(sent);
    expect(sent.Messages).toHaveLength(1);
    expect(sent.Messages[0]).toEqual({
      From: { Email: 'shop@example.com', Name: 'Shop' },
      To: [{ Email: 'a@example.com' }, { Email: 'b@example.com', Name: 'B' }],
      Cc: [{ Email: 'c@example.com' }],
      Bcc: [{ Email: 'd@example.com' }],
      ReplyTo: { Email: 'r@example.com', Name: 'Replies' },
      Sender: { Email: 'bounces@example.com' },
      Subject: 'Hi',
      TextPart: 'Text',
      HTMLPart: '<p>HTML <img src="cid:logo"></p>',
      Headers: { 'X-Thing': '1' },
      Attachments: [{ ContentType: 'text/plain', Filename: 'a.txt', Base64Content: Buffer.from('hello').toString('base64') }],
      InlinedAttachments: [{ ContentType: 'image/png', Filename: 'logo.png', Base64Content: 'AQID', ContentID: 'logo' }],
      EventPayload: '{"order":"A-1","n":2}',
      CustomCampaign: 'receipts',
      TrackClicks: 'disabled',
      TrackOpens: 'enabled',
    });
  });

  it('gives an attachment without a filename the name "attachment" (Mailjet requires one)', async () => {
    const message = base();
    message.attach({ content: 'x', mimetype: 'text/plain' });
    expect(body(await build(message)).Messages[0].Attachments[0].Filename).toBe('attachment');
  });

  it('renders an attached EmailMessage as message/rfc822', async () => {
    const message = base();
    message.attach({ content: new EmailMessage({ from: 'x@example.com', to: ['y@example.com'], subject: 'Inner', body: 'inner body' }), mimetype: 'message/rfc822' });
    const [attachment] = body(await build(message)).Messages[0].Attachments;
    expect(attachment.ContentType).toBe('message/rfc822');
    expect(Buffer.from(attachment.Base64Content, 'base64').toString()).toContain('Subject: Inner');
  });

  it('sends a numeric templateId as a number with TemplateLanguage, and mergeGlobalData as Variables', async () => {
    const message = new EmailMessage({ to: ['a@example.com'], from: 'shop@example.com', templateId: '176375', mergeGlobalData: { ship: 'May 15' } });
    const sent = body(await build(message));
    expectValidSend(sent);
    expect(sent.Messages[0]).toMatchObject({ TemplateID: 176375, TemplateLanguage: true, Variables: { ship: 'May 15' } });
  });

  it('makes one Messages entry per to for merge data, each with its own Variables, EventPayload and Headers', async () => {
    const message = base();
    Object.assign(message, {
      cc: ['c@example.com'], templateId: '1', metadata: { batch: 'x' },
      mergeGlobalData: { ship: 'May 15', name: 'friend' },
      mergeData: { 'a@example.com': { name: 'A' }, 'b@example.com': { name: 'B' } },
      mergeMetadata: { 'b@example.com': { user: 'b' } },
      mergeHeaders: { 'a@example.com': { 'List-Unsubscribe': '<mailto:u+a@example.com>' } },
    });
    const request = await build(message);
    const sent = body(request);
    expectValidSend(sent);
    expect(sent.Messages.map((entry: any) => entry.To)).toEqual([[{ Email: 'a@example.com' }], [{ Email: 'b@example.com', Name: 'B' }]]);
    expect(sent.Messages.map((entry: any) => entry.Variables)).toEqual([{ ship: 'May 15', name: 'A' }, { ship: 'May 15', name: 'B' }]);
    expect(sent.Messages.map((entry: any) => JSON.parse(entry.EventPayload))).toEqual([{ batch: 'x' }, { batch: 'x', user: 'b' }]);
    expect(sent.Messages.map((entry: any) => entry.Headers)).toEqual([{ 'List-Unsubscribe': '<mailto:u+a@example.com>' }, undefined]);
    expect(sent.Messages.map((entry: any) => entry.Cc)).toEqual([[{ Email: 'c@example.com' }], [{ Email: 'c@example.com' }]]);
    expect(request.context.entries).toEqual([
      { to: ['a@example.com'], cc: ['c@example.com'], bcc: [] },
      { to: ['b@example.com'], cc: ['c@example.com'], bcc: [] },
    ]);
  });

  it('turns on TemplateLanguage for merge data without a stored template ([[var:name]] in the parts)', async () => {
    const message = base();
    message.body = 'Dear [[var:name]]';
    message.mergeData = { 'a@example.com': { name: 'A' } };
    expect(body(await build(message)).Messages[0]).toMatchObject({ TemplateLanguage: true, Variables: { name: 'A' } });
  });

  it('sends a Reply-To header as ReplyTo (Mailjet refuses it in Headers, send-0011), unless replyTo is set', async () => {
    const fromHeader = body(await build(Object.assign(base(), { headers: { 'reply-to': 'Desk <desk@example.com>', 'X-A': '1' } })));
    expect(fromHeader.Messages[0]).toMatchObject({ ReplyTo: { Email: 'desk@example.com', Name: 'Desk' }, Headers: { 'X-A': '1' } });
    const both = body(await build(Object.assign(base(), { replyTo: ['r@example.com'], headers: { 'Reply-To': 'desk@example.com' } })));
    expect(both.Messages[0].ReplyTo).toEqual({ Email: 'r@example.com' });
    expect(both.Messages[0].Headers).toBeUndefined();
  });

  it('raises for several tags, Reply-To addresses or From addresses, and sendAt; ignoreUnsupportedFeatures keeps the first', async () => {
    expect(await unsupportedFeature(Object.assign(base(), { tags: ['a', 'b'] }))).toBe('tags');
    expect(await unsupportedFeature(Object.assign(base(), { replyTo: ['a@example.com', 'b@example.com'] }))).toBe('replyTo');
    expect(await unsupportedFeature(Object.assign(base(), { sendAt: new Date('2030-01-01T00:00:00Z') }))).toBe('sendAt');
    const lenient = body(await build(Object.assign(base(), { tags: ['a', 'b'], replyTo: ['r1@example.com', 'r2@example.com'] }), { ignore: true }));
    expect(lenient.Messages[0]).toMatchObject({ CustomCampaign: 'a', ReplyTo: { Email: 'r1@example.com' } });
  });
});

describe('Mailjet payload: espExtra', () => {
  const base = () => new EmailMessage({ from: 'shop@example.com', to: ['a@example.com'], subject: 'Hi', body: 'Text', metadata: { m: 1 },
    headers: { 'X-A': 'message' }, mergeGlobalData: { v: 'message' } });

  it('merges message properties into each entry; Variables and Headers under the message’s own; EventPayload overrides metadata', async () => {
    const message = base();
    message.espExtra = { Priority: 2, URLTags: 'utm_source=mail', Variables: { v: 'extra', w: 'extra' }, Headers: { 'X-A': 'extra', 'X-B': 'extra' },
      EventPayload: 'raw payload', TemplateErrorReporting: { Email: 'dev@example.com' } };
    const entry = body(await build(message)).Messages[0];
    expect(entry).toMatchObject({ Priority: 2, URLTags: 'utm_source=mail', EventPayload: 'raw payload',
      Variables: { v: 'message', w: 'extra' }, Headers: { 'X-A': 'message', 'X-B': 'extra' }, TemplateErrorReporting: { Email: 'dev@example.com' } });
    expect(entry.SandboxMode).toBeUndefined();
  });

  it('refuses an unknown key naming the closest one, and a bad value', async () => {
    const typo = await build(Object.assign(base(), { espExtra: { Priorty: 1 } })).catch((e: unknown) => e);
    expect(String(typo)).toMatch(/did you mean "Priority"/);
    const bad = await build(Object.assign(base(), { espExtra: { TrackOpens: 'yes' } })).catch((e: unknown) => e);
    expect(AnymailUnsupportedFeature.isInstance(bad)).toBe(true);
  });

  it('checks values Mailjet writes into header lines even with ignoreUnsupportedFeatures', async () => {
    const message = Object.assign(base(), { espExtra: { CustomID: 'a\r\nBcc: x@attacker.test' } });
    await expect(build(message, { ignore: true })).rejects.toBeInstanceOf(BadHeaderError);
  });
});
