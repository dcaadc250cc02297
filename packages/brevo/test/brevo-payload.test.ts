import { AnymailUnsupportedFeature, EmailMessage, type EspRequest } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { BrevoBackend } from '../src/index.js';
import type { BrevoRequestContext } from '../src/brevo-payload.js';
import { smtpEmailProblems } from './support/brevo-schema.js';

/** The request a message becomes; its body must validate against Brevo's API description. */
async function build(message: EmailMessage, options: { ignore?: boolean } = {}): Promise<EspRequest<BrevoRequestContext>> {
  const backend = new BrevoBackend({ apiKey: 'xkeysib-payload', ignoreUnsupportedFeatures: options.ignore ?? false });
  const request = (await backend.previewRequest(message)) as EspRequest<BrevoRequestContext>;
  expect(smtpEmailProblems(JSON.parse(request.body as string))).toEqual([]);
  return request;
}
const body = (request: EspRequest): any => JSON.parse(request.body as string);
const sent = async (message: EmailMessage, options: { ignore?: boolean } = {}) => body(await build(message, options));

async function unsupported(message: EmailMessage): Promise<string> {
  const backend = new BrevoBackend({ apiKey: 'xkeysib-payload' });
  const error = await backend.previewRequest(message).catch((e: unknown) => e);
  expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
  return `${(error as AnymailUnsupportedFeature).feature}: ${(error as Error).message}`;
}

const plain = (init: ConstructorParameters<typeof EmailMessage>[0] = {}) =>
  new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Subject', body: 'Body', ...init });

describe('Brevo payload: a plain message', () => {
  it('maps every standard field to sendSmtpEmail', async () => {
    const message = plain({
      from: 'Shop <shop@example.com>',
      to: ['A <a@example.com>', 'b@example.com'],
      cc: ['c@example.com'],
      bcc: ['Bcc Person <d@example.com>'],
      replyTo: ['Help <help@example.com>'],
      headers: { 'X-Campaign': 'spring', idempotencyKey: 'abc-123' },
      tags: ['welcome', 'spring'],
      metadata: { user_id: 42, plan: 'pro' },
      sendAt: new Date('2030-05-06T07:08:09.123Z'),
    });
    message.attachAlternative('<p>Body</p>', 'text/html');
    message.attach('invoice.pdf', new Uint8Array([1, 2, 3]), 'application/pdf');
    const request = await build(message);
    expect(request).toMatchObject({ method: 'POST', path: 'smtp/email' });
    expect(request.headers).toMatchObject({ 'api-key': 'xkeysib-payload', 'content-type': 'application/json' });
    expect(body(request)).toEqual({
      sender: { name: 'Shop', email: 'shop@example.com' },
      to: [{ name: 'A', email: 'a@example.com' }, { email: 'b@example.com' }],
      cc: [{ email: 'c@example.com' }],
      bcc: [{ name: 'Bcc Person', email: 'd@example.com' }],
      replyTo: { name: 'Help', email: 'help@example.com' },
      subject: 'Subject',
      textContent: 'Body',
      htmlContent: '<p>Body</p>',
      headers: { 'X-Campaign': 'spring', idempotencyKey: 'abc-123', 'X-Mailin-custom': '{"user_id":42,"plan":"pro"}' },
      tags: ['welcome', 'spring'],
      attachment: [{ name: 'invoice.pdf', content: 'AQID' }],
      scheduledAt: '2030-05-06T07:08:09.123Z',
    });
    expect(request.context.recipients).toEqual([{ to: ['a@example.com', 'b@example.com'], cc: ['c@example.com'], bcc: ['d@example.com'] }]);
  });

  it('RFC 2047-encodes a non-ASCII display name with punctuation (Brevo drops it otherwise), keeps others as they are', async () => {
    const message = plain({ from: '"Café, Inc." <cafe@example.com>', to: ['Zoë <zoe@example.com>', '"Smith, Jo" <jo@example.com>'] });
    const result = await sent(message);
    expect(result.sender).toEqual({ name: '=?utf-8?b?Q2Fmw6ksIEluYy4=?=', email: 'cafe@example.com' });
    expect(result.to).toEqual([{ name: 'Zoë', email: 'zoe@example.com' }, { name: 'Smith, Jo', email: 'jo@example.com' }]);
  });

  it('sends an IDN domain as punycode, and keys the status by the address as given', async () => {
    const request = await build(plain({ to: ['user@bücher.example'] }));
    expect(body(request).to).toEqual([{ email: 'user@xn--bcher-kva.example' }]);
    expect(request.context.recipients[0]!.to).toEqual(['user@bücher.example']);
  });
});

describe('Brevo payload: what Brevo cannot do', () => {
  it('refuses several Reply-To addresses; with ignoreUnsupportedFeatures sends the first', async () => {
    const message = plain({ replyTo: ['one@example.com', 'two@example.com'] });
    expect(await unsupported(message)).toMatch(/^replyTo: .*multiple Reply-To/);
    expect((await sent(message, { ignore: true })).replyTo).toEqual({ email: 'one@example.com' });
  });

  it('refuses inline images (no Content-ID in Brevo attachments); ignoring sends an ordinary attachment', async () => {
    const message = plain();
    message.attachInlineImage(new Uint8Array([0x89, 0x50]), { filename: 'logo.png', contentId: 'logo' });
    expect(await unsupported(message)).toMatch(/^attachments: .*inline images/);
    expect((await sent(message, { ignore: true })).attachment).toEqual([{ name: 'logo.png', content: 'iVA=' }]);
  });

  it('refuses an attachment without a filename (Brevo reads the type from the extension)', async () => {
    const message = plain();
    message.attach({ content: 'x', mimetype: 'text/plain' } as never);
    expect(await unsupported(message)).toMatch(/^attachments: .*without a filename/);
  });

  it('refuses non-ASCII custom header values and metadata (Brevo sends them as raw 8-bit)', async () => {
    expect(await unsupported(plain({ headers: { 'X-Note': 'café' } }))).toMatch(/^headers \(X-Note\): .*non-ASCII/);
    expect(await unsupported(plain({ metadata: { city: 'Zürich' } }))).toMatch(/^metadata: .*non-ASCII/);
    expect(await unsupported(plain({ metadata: { note: 'a\\u0041' } }))).toMatch(/^metadata/);
    expect(await unsupported(plain({ to: ['a@example.com'], mergeMetadata: { 'a@example.com': { city: 'Zürich' } } }))).toMatch(/^mergeMetadata/);
  });

  it('refuses open/click tracking switches, envelope sender and non-HTML alternatives', async () => {
    expect(await unsupported(plain({ trackOpens: true }))).toMatch(/^trackOpens/);
    expect(await unsupported(plain({ trackClicks: false }))).toMatch(/^trackClicks/);
    expect(await unsupported(plain({ envelopeSender: 'bounce@example.com' }))).toMatch(/^envelopeSender/);
    const calendar = plain();
    calendar.attachAlternative('BEGIN:VCALENDAR\r\nEND:VCALENDAR', 'text/calendar');
    expect(await unsupported(calendar)).toMatch(/^alternatives/);
  });

  it('refuses more than 2000 recipients in one send', async () => {
    const to = Array.from({ length: 2001 }, (_, i) => `r${i}@example.com`);
    expect(await unsupported(plain({ to }))).toMatch(/^to: .*2001 recipients .*at most 2000/);
  });
});

describe('Brevo payload: templates', () => {
  it('sends a numeric templateId with mergeGlobalData as params, without subject or body', async () => {
    const result = await sent(plain({ subject: '', body: '', templateId: '12', mergeGlobalData: { site: 'Shop' } }));
    expect(result).toEqual({ sender: { email: 'from@example.com' }, to: [{ email: 'to@example.com' }], templateId: 12, params: { site: 'Shop' } });
  });
  it('keeps a subject override, refuses a body (the template supplies it)', async () => {
    expect((await sent(plain({ body: '', templateId: '12' }))).subject).toBe('Subject');
    expect(await unsupported(plain({ templateId: '12' }))).toMatch(/^textBody: .*templateId/);
  });
  it('refuses a non-numeric template id', async () => {
    expect(await unsupported(plain({ body: '', templateId: 'welcome' }))).toMatch(/^templateId: .*"welcome".*numbers/);
  });
  it('refuses merge data without a template (Brevo merges params only into templates)', async () => {
    expect(await unsupported(plain({ mergeGlobalData: { a: 1 } }))).toMatch(/^mergeGlobalData/);
    expect(await unsupported(plain({ mergeData: { 'to@example.com': { a: 1 } } }))).toMatch(/^mergeData/);
  });
});

describe('Brevo payload: batch sends (messageVersions)', () => {
  it('makes one version per To recipient with its params (over mergeGlobalData), keeping cc and subject on each', async () => {
    const message = plain({
      to: ['Alice <alice@example.com>', 'bob@example.com', 'carol@example.com'],
      cc: ['audit@example.com'],
      body: '',
      templateId: '3',
      mergeGlobalData: { ship: 'May 15', offer: '5%' },
      mergeData: { 'alice@example.com': { name: 'Alice', offer: '15%' }, 'bob@example.com': { name: 'Bob' } },
    });
    const request = await build(message);
    expect(body(request)).toEqual({
      sender: { email: 'from@example.com' },
      templateId: 3,
      subject: 'Subject',
      messageVersions: [
        { to: [{ name: 'Alice', email: 'alice@example.com' }], cc: [{ email: 'audit@example.com' }], subject: 'Subject', params: { ship: 'May 15', offer: '15%', name: 'Alice' } },
        { to: [{ email: 'bob@example.com' }], cc: [{ email: 'audit@example.com' }], subject: 'Subject', params: { ship: 'May 15', offer: '5%', name: 'Bob' } },
        { to: [{ email: 'carol@example.com' }], cc: [{ email: 'audit@example.com' }], subject: 'Subject', params: { ship: 'May 15', offer: '5%' } },
      ],
    });
    expect(request.context.recipients.map((r) => r.to)).toEqual([['alice@example.com'], ['bob@example.com'], ['carol@example.com']]);
  });

  it('puts metadata merged with mergeMetadata, and mergeHeaders, in each version\'s headers', async () => {
    const message = plain({
      to: ['a@example.com', 'b@example.com'],
      headers: { 'X-Campaign': 'spring' },
      metadata: { campaign: 'spring', user: 'none' },
      mergeMetadata: { 'a@example.com': { user: 'a1' } },
      mergeHeaders: { 'b@example.com': { 'X-Seat': '12B' } },
    });
    const result = await sent(message);
    expect(result.headers).toEqual({ 'X-Campaign': 'spring' });
    expect(result.messageVersions.map((version: any) => version.headers)).toEqual([
      { 'X-Campaign': 'spring', 'X-Mailin-custom': '{"campaign":"spring","user":"a1"}' },
      { 'X-Campaign': 'spring', 'X-Mailin-custom': '{"campaign":"spring","user":"none"}', 'X-Seat': '12B' },
    ]);
    expect(result.messageVersions.map((version: any) => version.textContent)).toEqual(['Body', 'Body']);
    expect(result.textContent).toBe('Body');
  });

  it('an empty mergeData still sends each To recipient their own copy, without a template', async () => {
    const result = await sent(plain({ to: ['a@example.com', 'b@example.com'], mergeData: {} }));
    expect(result.messageVersions.map((version: any) => version.to)).toEqual([[{ email: 'a@example.com' }], [{ email: 'b@example.com' }]]);
    expect(result.to).toBeUndefined();
  });
});

describe('Brevo payload: espExtra', () => {
  it('merges Brevo fields: sender id, batchId, headers, params, tags, attachments by URL', async () => {
    const message = plain({ body: '', templateId: '9', tags: ['a'], headers: { 'X-A': '1' }, mergeGlobalData: { x: 1, y: 1 } });
    message.espExtra = {
      sender: { id: 2 },
      batchId: '275d3289-d5cb-4768-9460-a990054b6c81',
      headers: { 'sender.ip': '1.2.3.4', 'X-A': '2' },
      params: { y: 2 },
      tags: ['a', 'b'],
      attachment: [{ url: 'https://example.com/terms.pdf', name: 'terms.pdf' }],
    };
    expect(await sent(message)).toEqual({
      sender: { id: 2 },
      batchId: '275d3289-d5cb-4768-9460-a990054b6c81',
      to: [{ email: 'to@example.com' }],
      subject: 'Subject',
      templateId: 9,
      params: { x: 1, y: 2 },
      headers: { 'X-A': '2', 'sender.ip': '1.2.3.4' },
      tags: ['a', 'b'],
      attachment: [{ url: 'https://example.com/terms.pdf', name: 'terms.pdf' }],
    });
  });
  it('refuses an unknown or mistyped field, naming it', async () => {
    const message = plain();
    message.espExtra = { messageVersions: [], batchId: 'not-a-uuid' };
    const problem = await unsupported(message);
    expect(problem).toMatch(/^espExtra/);
    expect(problem).toContain('messageVersions');
    expect(problem).toContain('batchId');
  });
});
