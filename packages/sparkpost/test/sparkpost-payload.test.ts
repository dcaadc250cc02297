import { AnymailUnsupportedFeature, BadHeaderError, EmailMessage, type EmailMessageInit } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { SparkPostBackend } from '../src/index.js';
import type { SparkPostTransmission } from '../src/sparkpost-payload.js';
import { expectValidTransmission } from './support/sparkpost-schema.js';

const backend = new SparkPostBackend({ apiKey: 'test-key' });
const lenient = new SparkPostBackend({ apiKey: 'test-key', ignoreUnsupportedFeatures: true });

/** The transmission a message becomes (previewRequest: nothing sent), checked against the blueprint's schema. */
async function preview(message: EmailMessage, ignore = false) {
  const request = await (ignore ? lenient : backend).previewRequest(message);
  const transmission = JSON.parse(request.body as string) as SparkPostTransmission;
  expectValidTransmission(transmission);
  const { shared: _shared, recipientsJson: _recipients, ...requestContext } = request.context;
  return { transmission, requestContext, request };
}

const build = (options: EmailMessageInit, ignore = false) => preview(new EmailMessage(options), ignore);

async function unsupported(options: EmailMessageInit): Promise<string> {
  const error = await Promise.resolve()
    .then(() => build(options))
    .catch((caught: unknown) => caught);
  expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
  return (error as AnymailUnsupportedFeature).feature;
}

const plain: EmailMessageInit = { from: 'Shop <shop@example.com>', to: ['ann@example.com'], subject: 'Hi', body: 'Text' };

describe('SparkPost payload: content', () => {
  it('posts to transmissions with the bare API key (no Bearer) and the subaccount header when set', async () => {
    const { request } = await build(plain);
    expect(request).toMatchObject({ method: 'POST', path: 'transmissions', headers: { authorization: 'test-key', 'content-type': 'application/json' } });
    expect(request.headers['x-msys-subaccount']).toBeUndefined();
    const sub = await new SparkPostBackend({ apiKey: 'k', subaccount: 123 }).previewRequest(new EmailMessage(plain));
    expect(sub.headers['x-msys-subaccount']).toBe('123');
  });

  it('builds inline content the way the transmissions reference shows it', async () => {
    const { transmission, requestContext } = await build({ ...plain, replyTo: ['Help <help@example.com>'], headers: { 'X-Customer-Campaign-ID': 'christmas' } });
    expect(transmission).toEqual({
      content: {
        from: { email: 'shop@example.com', name: 'Shop' },
        subject: 'Hi',
        text: 'Text',
        reply_to: 'Help <help@example.com>',
        headers: { 'X-Customer-Campaign-ID': 'christmas' },
      },
      recipients: [{ address: { email: 'ann@example.com' } }],
    });
    expect(requestContext).toEqual({ recipients: ['ann@example.com'], copies: 1, listId: undefined });
  });

  it('sends html, AMP, attachments and inline images (named by Content-ID, for cid: links)', async () => {
    const message: EmailMessageInit = { ...plain, alternatives: [{ content: '<p>Hi</p>', mimetype: 'text/html' }, { content: '<html ⚡4email></html>', mimetype: 'text/x-amp-html' }] };
    const built = new EmailMessage(message);
    built.attach('report.csv', 'a,b\n', 'text/csv');
    const cid = built.attachInlineImage(new Uint8Array([1, 2, 3]), { filename: 'logo.png', contentId: 'logo@example.com' });
    const { transmission } = await preview(built);
    expect(cid).toBe('logo@example.com');
    expect(transmission.content).toMatchObject({
      html: '<p>Hi</p>',
      amp_html: '<html ⚡4email></html>',
      attachments: [{ name: 'report.csv', type: 'text/csv', data: Buffer.from('a,b\n').toString('base64') }],
      inline_images: [{ name: 'logo@example.com', type: 'image/png', data: 'AQID' }],
    });
  });

  it('refuses alternatives SparkPost has no field for, and multiple From addresses', async () => {
    expect(await unsupported({ ...plain, alternatives: [{ content: 'x', mimetype: 'text/calendar' }] })).toBe('alternatives');
    expect(await unsupported({ ...plain, from: 'a@example.com, b@example.com' })).toBe('from');
  });

  it('moves a Reply-To header to reply_to and refuses headers SparkPost generates', async () => {
    const { transmission } = await build({ ...plain, headers: { 'Reply-To': 'r@example.com', 'X-A': '1' } });
    expect(transmission.content).toMatchObject({ reply_to: 'r@example.com', headers: { 'X-A': '1' } });
    expect(await unsupported({ ...plain, headers: { 'Content-Type': 'text/plain' } })).toBe('headers');
  });
});

describe('SparkPost payload: recipients (every recipient gets a copy; header_to says which To it shows)', () => {
  it('shows all To recipients on every copy, and cc/bcc get copies with a Cc header for cc only', async () => {
    const { transmission, requestContext } = await build({ ...plain, to: ['ann@example.com', 'Bob <bob@example.com>'], cc: ['cc@example.com'], bcc: ['bcc@example.com'] });
    const all = 'ann@example.com, Bob <bob@example.com>';
    expect(transmission.recipients).toEqual([
      { address: { email: 'ann@example.com', header_to: all } },
      { address: { email: 'bob@example.com', header_to: all } },
      { address: { email: 'cc@example.com', header_to: all } },
      { address: { email: 'bcc@example.com', header_to: all } },
    ]);
    expect(transmission.content.headers).toEqual({ Cc: 'cc@example.com' });
    expect(requestContext).toMatchObject({ recipients: ['ann@example.com', 'bob@example.com', 'cc@example.com', 'bcc@example.com'], copies: 4 });
  });

  it('uses a To header as the To every copy shows', async () => {
    const { transmission } = await build({ ...plain, to: ['ann@example.com'], headers: { To: 'List <list@example.com>' } });
    expect(transmission.recipients).toEqual([{ address: { email: 'ann@example.com', header_to: 'List <list@example.com>' } }]);
    expect(transmission.content.headers).toBeUndefined();
  });

  it('sends to a stored recipient list with espExtra.recipients.list_id', async () => {
    const { transmission, requestContext } = await build({ ...plain, espExtra: { recipients: { list_id: 'design_team' } } });
    expect(transmission.recipients).toEqual({ list_id: 'design_team' });
    expect(requestContext).toEqual({ recipients: [], copies: 0, listId: 'design_team' });
  });
});

describe('SparkPost payload: Anymail features', () => {
  it('maps envelopeSender, metadata, one tag, tracking and sendAt', async () => {
    const { transmission } = await build({
      ...plain,
      envelopeSender: 'Bounces <bounces@mail.example.com>',
      metadata: { order: 1234, nested: { ok: true } },
      tags: ['receipts'],
      trackClicks: false,
      trackOpens: true,
      sendAt: new Date('2026-12-05T10:30:15.678Z'),
    });
    expect(transmission).toMatchObject({
      return_path: 'bounces@mail.example.com',
      metadata: { order: 1234, nested: { ok: true } },
      campaign_id: 'receipts',
      options: { click_tracking: false, open_tracking: true, start_time: '2026-12-05T10:30:15+00:00' },
    });
  });

  it('raises for a second tag (one campaign_id), or keeps the first with ignoreUnsupportedFeatures', async () => {
    expect(await unsupported({ ...plain, tags: ['a', 'b'] })).toBe('tags');
    expect((await build({ ...plain, tags: ['a', 'b'] }, true)).transmission.campaign_id).toBe('a');
  });

  it('sends merge data as one multi-recipient transmission: each To its own copy and data, cc copied per To', async () => {
    const { transmission, requestContext } = await build({
      ...plain,
      to: ['ann@example.com', 'Bob <bob@example.com>'],
      cc: ['boss@example.com'],
      mergeData: { 'ann@example.com': { name: 'Ann' }, 'bob@example.com': { name: 'Bob' } },
      mergeGlobalData: { shop: 'Example' },
      mergeMetadata: { 'ann@example.com': { order: '1' } },
    });
    expect(transmission.recipients).toEqual([
      { address: { email: 'ann@example.com' }, substitution_data: { name: 'Ann' }, metadata: { order: '1' } },
      { address: { email: 'boss@example.com', header_to: 'ann@example.com' }, substitution_data: { name: 'Ann' }, metadata: { order: '1' } },
      { address: { email: 'bob@example.com', name: 'Bob' }, substitution_data: { name: 'Bob' } },
      { address: { email: 'boss@example.com', header_to: 'Bob <bob@example.com>' }, substitution_data: { name: 'Bob' } },
    ]);
    expect(transmission.substitution_data).toEqual({ shop: 'Example' });
    expect(requestContext).toMatchObject({ recipients: ['ann@example.com', 'bob@example.com', 'boss@example.com'], copies: 4 });
  });

  it('sends merge headers through substitution data, the message-level value as the default', async () => {
    const { transmission } = await build({
      ...plain,
      to: ['ann@example.com', 'bob@example.com'],
      headers: { 'List-Unsubscribe': '<mailto:all@example.com>' },
      mergeHeaders: { 'ann@example.com': { 'List-Unsubscribe': '<mailto:ann@example.com>', 'X-Order': '1' } },
    });
    expect(transmission.content.headers).toEqual({ 'List-Unsubscribe': '{{anymail_header_0}}', 'X-Order': '{{anymail_header_1}}' });
    expect(transmission.substitution_data).toEqual({ anymail_header_0: '<mailto:all@example.com>' });
    expect((transmission.recipients as { substitution_data?: unknown }[]).map((recipient) => recipient.substitution_data)).toEqual([
      { anymail_header_0: '<mailto:ann@example.com>', anymail_header_1: '1' },
      undefined,
    ]);
  });
});

describe('SparkPost payload: stored templates', () => {
  const templated: EmailMessageInit = { from: 'Shop <shop@example.com>', to: ['ann@example.com'], templateId: 'welcome', subject: '', body: '' };

  it('sends template_id alone; from and replyTo go through override (the template would drop them)', async () => {
    const { transmission } = await build({ ...templated, replyTo: ['help@example.com'], mergeGlobalData: { a: 1 } });
    expect(transmission.content).toEqual({ template_id: 'welcome' });
    expect(transmission.override).toEqual({ from: { email: 'shop@example.com', name: 'Shop' }, reply_to: 'help@example.com' });
    expect(transmission.substitution_data).toEqual({ a: 1 });
  });

  it('raises for what the template supplies: subject, body, attachments, headers, cc', async () => {
    expect(await unsupported({ ...templated, subject: 'Hi' })).toBe('subject');
    expect(await unsupported({ ...templated, body: 'Text' })).toBe('textBody');
    expect(await unsupported({ ...templated, headers: { 'X-A': '1' } })).toBe('headers');
    expect(await unsupported({ ...templated, cc: ['cc@example.com'] })).toBe('cc');
  });

  it('takes use_draft_template from espExtra', async () => {
    const { transmission } = await build({ ...templated, espExtra: { content: { use_draft_template: true } } });
    expect(transmission.content).toEqual({ template_id: 'welcome', use_draft_template: true });
  });
});

describe('SparkPost payload: espExtra', () => {
  it('merges transmission fields deeply, espExtra winning', async () => {
    const { transmission } = await build({
      ...plain,
      trackClicks: true,
      espExtra: { options: { transactional: true, click_tracking: false, ip_pool: 'tx' }, description: 'Receipts', campaign_id: 'override' },
    });
    expect(transmission).toMatchObject({
      options: { click_tracking: false, transactional: true, ip_pool: 'tx' },
      description: 'Receipts',
      campaign_id: 'override',
    });
  });

  it('refuses header injection in header-bound espExtra fields', async () => {
    for (const extra of [
      { content: { headers: { 'X-A': 'a\r\nBcc: evil@attacker.test' } } },
      { override: { reply_to: 'r@example.com\r\nBcc: evil@attacker.test' } },
      { override: { from: { email: 'f@example.com', name: 'F\nBcc: x' } } },
      { return_path: 'b@example.com\nX: y' },
    ]) {
      await expect(build({ ...plain, espExtra: extra })).rejects.toBeInstanceOf(BadHeaderError);
    }
  });
});
