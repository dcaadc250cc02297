import {
  AnymailConfigurationError,
  AnymailError,
  AnymailSerializationError,
  AnymailUnsupportedFeature,
  EmailMessage,
  type EmailMessageInit,
} from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { SendGridBackend } from '../src/index.js';
import type { SendGridBackendOptions } from '../src/sendgrid-options.js';
import type { SendGridRequestContext } from '../src/sendgrid-batch.js';
import { expectValidMailSend } from './support/sendgrid-schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Build the request for a message; every body is checked against SendGrid's request schema. */
async function build(
  init: EmailMessageInit,
  { ignoreUnsupportedFeatures = false, ...options }: SendGridBackendOptions = {},
  edit?: (message: EmailMessage) => void,
) {
  const message = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Subject', body: 'Body', ...init });
  edit?.(message);
  const backend = new SendGridBackend({ apiKey: 'SG.test-key', ignoreUnsupportedFeatures, ...options });
  const request = await backend.previewRequest(message);
  const body = JSON.parse(request.body as string) as Record<string, any>;
  expectValidMailSend(body);
  return { request, body, context: request.context as SendGridRequestContext };
}

describe('SendGrid payload: standard message', () => {
  it('posts a minimal message as SendGrid Mail Send JSON with a generated anymail_id', async () => {
    const { request, body } = await build({ from: 'Shop <shop@example.com>', to: ['Alex <alex@example.com>', 'bola@example.com'] });
    expect(request.method).toBe('POST');
    expect(request.path).toBe('mail/send');
    expect(body).toEqual({
      personalizations: [
        {
          to: [{ email: 'alex@example.com', name: 'Alex' }, { email: 'bola@example.com' }],
          custom_args: { anymail_id: expect.stringMatching(UUID) },
        },
      ],
      from: { email: 'shop@example.com', name: 'Shop' },
      subject: 'Subject',
      content: [{ type: 'text/plain', value: 'Body' }],
    });
  });

  it('puts cc and bcc in the personalization and replyTo in reply_to_list', async () => {
    const { body } = await build({ cc: ['Charlie <charlie@example.com>'], bcc: ['dana@example.com'], replyTo: ['a@example.com', 'B <b@example.com>'] });
    expect(body.personalizations[0].cc).toEqual([{ email: 'charlie@example.com', name: 'Charlie' }]);
    expect(body.personalizations[0].bcc).toEqual([{ email: 'dana@example.com' }]);
    expect(body.reply_to_list).toEqual([{ email: 'a@example.com' }, { email: 'b@example.com', name: 'B' }]);
    expect(body.reply_to).toBeUndefined();
  });

  it('quotes display names with commas and other specials inside personalizations only (SendGrid parser bug, as Anymail)', async () => {
    const { body } = await build({
      from: '"Shop, Inc." <shop@example.com>',
      to: ['"Doe, Jane" <jane@example.com>', 'Plain Name <plain@example.com>'],
      cc: ['"Dr. J. \\"Jo\\" Smith" <jo@example.com>'],
      bcc: ['"a;b" <ab@example.com>'],
      replyTo: ['"Help, Desk" <help@example.com>'],
    });
    const [personalization] = body.personalizations;
    expect(personalization.to).toEqual([{ email: 'jane@example.com', name: '"Doe, Jane"' }, { email: 'plain@example.com', name: 'Plain Name' }]);
    expect(personalization.cc).toEqual([{ email: 'jo@example.com', name: '"Dr. J. \\"Jo\\" Smith"' }]);
    expect(personalization.bcc).toEqual([{ email: 'ab@example.com', name: '"a;b"' }]);
    // SendGrid quotes from and reply_to_list names itself.
    expect(body.from).toEqual({ email: 'shop@example.com', name: 'Shop, Inc.' });
    expect(body.reply_to_list).toEqual([{ email: 'help@example.com', name: 'Help, Desk' }]);
  });

  it('sends a From header as from: unsupported when from is another address (no envelope sender), as Anymail', async () => {
    const error = await build({ from: 'bounces@example.com', headers: { From: 'Shown <shown@example.com>' } }).catch((e: unknown) => e);
    expect(error instanceof AnymailUnsupportedFeature && error.feature).toBe('envelopeSender');
    const { body } = await build({ from: 'bounces@example.com', headers: { From: 'Shown <shown@example.com>', 'X-Other': '1' } }, { ignoreUnsupportedFeatures: true });
    expect(body.from).toEqual({ email: 'shown@example.com', name: 'Shown' });
    expect(body.headers).toEqual({ 'X-Other': '1' });
    const same = await build({ from: 'shown@example.com', headers: { From: 'Shown <shown@example.com>' } });
    expect(same.body.from).toEqual({ email: 'shown@example.com', name: 'Shown' });
    expect(same.body.headers).toBeUndefined();
  });

  it('omits an empty subject so a template can supply it', async () => {
    const { body } = await build({ subject: '', templateId: 'd-abc' });
    expect('subject' in body).toBe(false);
    expect(body.template_id).toBe('d-abc');
  });

  it('sends headers as strings and turns a Reply-To header into reply_to_list', async () => {
    const { body } = await build({ headers: { 'X-Campaign': 'spring', 'Reply-To': 'Help <help@example.com>' } });
    expect(body.headers).toEqual({ 'X-Campaign': 'spring' });
    expect(body.reply_to_list).toEqual([{ email: 'help@example.com', name: 'Help' }]);
  });

  it('orders content text/plain, AMP, text/html, then other alternatives', async () => {
    const { body } = await build({}, {}, (m) => {
      m.attachAlternative('<p>Hi</p>', 'text/html');
      m.attachAlternative('BEGIN:VCALENDAR\r\nEND:VCALENDAR', 'text/calendar');
      m.attachAlternative('<html ⚡4email>AMP</html>', 'text/x-amp-html');
    });
    expect(body.content.map((c: { type: string }) => c.type)).toEqual(['text/plain', 'text/x-amp-html', 'text/html', 'text/calendar']);
  });

  it('sends an html-only message as text/html content', async () => {
    const { body } = await build({ body: '<b>Hi</b>', contentSubtype: 'html' });
    expect(body.content).toEqual([{ type: 'text/html', value: '<b>Hi</b>' }]);
  });

  it('base64-encodes attachments and marks inline images with disposition inline and content_id', async () => {
    let cid = '';
    const { body } = await build({}, {}, (m) => {
      m.attach('report.csv', 'a,b\n1,2\n', 'text/csv');
      cid = m.attachInlineImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { filename: 'logo.png' });
    });
    expect(body.attachments).toEqual([
      { content: Buffer.from('a,b\n1,2\n').toString('base64'), filename: 'report.csv', type: 'text/csv' },
      { content: 'iVBORw==', filename: 'logo.png', type: 'image/png', disposition: 'inline', content_id: cid },
    ]);
  });

  it('renders an attached message (message/rfc822) before sending', async () => {
    const forwarded = new EmailMessage({ from: 'x@example.com', to: ['y@example.com'], subject: 'Original', body: 'Inner' });
    const { body } = await build({}, {}, (m) => m.attach({ filename: 'original.eml', content: forwarded, mimetype: 'message/rfc822' }));
    const decoded = Buffer.from(body.attachments[0].content, 'base64').toString('utf8');
    expect(decoded).toContain('Subject: Original');
    expect(body.attachments[0].type).toBe('message/rfc822');
  });
});

describe('SendGrid payload: Anymail features', () => {
  it('sends metadata as message-level custom_args with string values', async () => {
    const { body } = await build({ metadata: { user: 'u1', order: 42, vip: true, cart: { n: 2 } } });
    expect(body.custom_args).toEqual({ user: 'u1', order: '42', vip: 'true', cart: '{"n":2}' });
  });

  it('sends tags as categories, tracking as tracking_settings and sendAt as epoch seconds', async () => {
    const { body } = await build({ tags: ['receipt', 'shop'], trackClicks: false, trackOpens: true, sendAt: new Date('2030-01-02T03:04:05.900Z') });
    expect(body.categories).toEqual(['receipt', 'shop']);
    expect(body.tracking_settings).toEqual({ click_tracking: { enable: false, enable_text: false }, open_tracking: { enable: true } });
    expect(body.send_at).toBe(1893553445);
  });

  it('raises AnymailUnsupportedFeature for envelopeSender and for several from addresses', async () => {
    await expect(build({ envelopeSender: 'bounce@example.com' })).rejects.toSatisfy(
      (e: unknown) => e instanceof AnymailUnsupportedFeature && e.feature === 'envelopeSender',
    );
    await expect(build({ from: 'a@example.com, b@example.com' })).rejects.toThrow(/multiple from addresses/);
    const { body } = await build({ from: 'a@example.com, b@example.com' }, { ignoreUnsupportedFeatures: true });
    expect(body.from).toEqual({ email: 'a@example.com' });
  });
});

describe('SendGrid payload: templates and batch sends', () => {
  const to = ['Alex <alex@example.com>', 'bola@example.com'];

  it('sends one personalization per to-recipient with dynamic_template_data for a d- template', async () => {
    const { body, context } = await build({
      to,
      cc: ['cc@example.com'],
      templateId: 'd-123',
      mergeGlobalData: { shop: 'Example', name: 'friend' },
      mergeData: { 'alex@example.com': { name: 'Alex', items: [1, 2] } },
    });
    expect(body.personalizations).toHaveLength(2);
    expect(body.personalizations[0]).toMatchObject({
      to: [{ email: 'alex@example.com', name: 'Alex' }],
      cc: [{ email: 'cc@example.com' }],
      dynamic_template_data: { shop: 'Example', name: 'Alex', items: [1, 2] },
    });
    expect(body.personalizations[1]).toMatchObject({ to: [{ email: 'bola@example.com' }], cc: [{ email: 'cc@example.com' }], dynamic_template_data: { shop: 'Example', name: 'friend' } });
    const ids = body.personalizations.map((p: any) => p.custom_args.anymail_id);
    expect(new Set(ids).size).toBe(2);
    expect(context.personalizations).toEqual([
      { anymailId: ids[0], emails: ['alex@example.com', 'cc@example.com'] },
      { anymailId: ids[1], emails: ['bola@example.com', 'cc@example.com'] },
    ]);
  });

  it('keeps global-only merge data with several recipients in one personalization', async () => {
    const { body } = await build({ to, templateId: 'd-123', mergeGlobalData: { shop: 'Example' } });
    expect(body.personalizations).toHaveLength(1);
    expect(body.personalizations[0].to).toHaveLength(2);
    expect(body.personalizations[0].dynamic_template_data).toEqual({ shop: 'Example' });
  });

  it('sends legacy-template merge data as substitutions through mergeFieldFormat', async () => {
    const { body } = await build(
      { to, templateId: 'legacy-uuid', mergeGlobalData: { shop: 'Example' }, mergeData: { 'bola@example.com': { name: 'Bola', count: 3, none: null } } },
      { mergeFieldFormat: '-{}-' },
    );
    expect(body.personalizations[0].substitutions).toEqual({ '-shop-': 'Example' });
    expect(body.personalizations[1].substitutions).toEqual({ '-shop-': 'Example', '-name-': 'Bola', '-count-': '3', '-none-': '' });
  });

  it('lets espExtra.mergeFieldFormat override the option, and uses keys as given when unset', async () => {
    const given = await build({ mergeData: { 'to@example.com': { ':name': 'T' } } });
    expect(given.body.personalizations[0].substitutions).toEqual({ ':name': 'T' });
    const override = await build({ mergeData: { 'to@example.com': { name: 'T' } }, espExtra: { mergeFieldFormat: '%{}%' } }, { mergeFieldFormat: '-{}-' });
    expect(override.body.personalizations[0].substitutions).toEqual({ '%name%': 'T' });
  });

  it('refuses structured values in legacy substitutions and a format without {}', async () => {
    await expect(build({ mergeData: { 'to@example.com': { cart: { n: 1 } } } })).rejects.toBeInstanceOf(AnymailSerializationError);
    await expect(build({ mergeData: {}, espExtra: { mergeFieldFormat: '-name-' } })).rejects.toBeInstanceOf(AnymailConfigurationError);
  });

  it('puts mergeMetadata and mergeHeaders in each personalization next to anymail_id', async () => {
    const { body } = await build({
      to,
      metadata: { campaign: 'c1' },
      mergeMetadata: { 'alex@example.com': { order: 7 } },
      mergeHeaders: { 'bola@example.com': { 'List-Unsubscribe': '<mailto:u@example.com>' } },
    });
    expect(body.custom_args).toEqual({ campaign: 'c1' });
    expect(body.personalizations[0].custom_args).toEqual({ order: '7', anymail_id: expect.stringMatching(UUID) });
    expect(body.personalizations[0].headers).toBeUndefined();
    expect(body.personalizations[1].headers).toEqual({ 'List-Unsubscribe': '<mailto:u@example.com>' });
  });

  it('generates no anymail_id when generateMessageId is off', async () => {
    const { body, context } = await build({}, { generateMessageId: false });
    expect(body.personalizations[0].custom_args).toBeUndefined();
    expect(context.personalizations[0]!.anymailId).toBeUndefined();
  });
});

describe('SendGrid payload: espExtra', () => {
  it('deep-merges SendGrid fields into the body and personalizations', async () => {
    const { body } = await build({
      trackClicks: true,
      espExtra: {
        asm: { group_id: 12, groups_to_display: [12, 13] },
        ip_pool_name: 'transactional',
        mail_settings: { sandbox_mode: { enable: true } },
        tracking_settings: { ganalytics: { enable: true, utm_source: 'mail' } },
        personalizations: { send_at: 1893553445, custom_args: { tenant: 't1' } },
      },
    });
    expect(body.asm).toEqual({ group_id: 12, groups_to_display: [12, 13] });
    expect(body.mail_settings).toEqual({ sandbox_mode: { enable: true } });
    expect(body.tracking_settings).toEqual({ click_tracking: { enable: true, enable_text: true }, ganalytics: { enable: true, utm_source: 'mail' } });
    expect(body.personalizations[0].send_at).toBe(1893553445);
    expect(body.personalizations[0].custom_args).toEqual({ anymail_id: expect.stringMatching(UUID), tenant: 't1' });
    expect('mergeFieldFormat' in body).toBe(false);
  });

  it('refuses unknown or mistyped espExtra fields, naming them (core\'s one espExtra policy)', async () => {
    const error = await build({ espExtra: { ip_pool: 'x' } }).catch((e: unknown) => e);
    expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
    expect((error as AnymailUnsupportedFeature).feature).toBe('espExtra');
    expect((error as Error).message).toMatch(/SendGrid espExtra is not valid: unknown field "ip_pool"; allowed: .*ip_pool_name/);
    await expect(build({ espExtra: { asm: { group_id: 'twelve' } } })).rejects.toThrow(/asm\.group_id/);
  });
});
