import { AnymailUnsupportedFeature, EmailMessage, type EmailMessageInit } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { ResendBackend } from '../src/index.js';
import type { ResendRequestContext } from '../src/resend-payload.js';
import { expectValidSendEmail } from './support/resend-schema.js';

const backend = (options: { ignoreUnsupportedFeatures?: boolean } = {}) => new ResendBackend({ apiKey: 're_test_key', apiUrl: 'http://127.0.0.1:9/', ...options });
const message = (fields: Partial<EmailMessageInit> = {}) =>
  new EmailMessage({ from: 'Acme <onboarding@resend.dev>', to: ['delivered@resend.dev'], subject: 'hello world', body: 'it works!', ...fields });

interface Built {
  path: string;
  headers: Record<string, string>;
  body: any;
  context: ResendRequestContext;
}
async function build(fields: Partial<EmailMessageInit> = {}, options: { ignoreUnsupportedFeatures?: boolean } = {}): Promise<Built> {
  const request = await backend(options).previewRequest(message(fields));
  const body = JSON.parse(request.body as string);
  expectValidSendEmail(body, request.path === 'emails/batch' ? '/emails/batch' : '/emails');
  return { path: request.path, headers: request.headers, body, context: request.context };
}
async function unsupportedFeature(fields: Partial<EmailMessageInit>): Promise<string> {
  const error = await backend().previewRequest(message(fields)).catch((caught: unknown) => caught);
  expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
  return (error as AnymailUnsupportedFeature).message;
}

describe('Resend payload: a single email', () => {
  it('builds the body of Resend\'s "send email" example, with the API key as a Bearer token', async () => {
    const sent = await build({ body: '', alternatives: [{ content: '<p>it works!</p>', mimetype: 'text/html' }] });
    expect(sent.path).toBe('emails');
    expect(sent.body).toEqual({ from: 'Acme <onboarding@resend.dev>', to: ['delivered@resend.dev'], subject: 'hello world', html: '<p>it works!</p>' });
    expect(sent.headers).toMatchObject({ authorization: 'Bearer re_test_key', 'content-type': 'application/json' });
    expect(sent.headers['idempotency-key']).toBeUndefined();
  });

  it('sends every address field as an array, display names in Unicode', async () => {
    const sent = await build({ to: ['a@example.com', 'Zoë <b@example.com>'], cc: ['c@example.com'], bcc: ['d@example.com'], replyTo: ['r@example.com'] });
    expect(sent.body).toMatchObject({ to: ['a@example.com', 'Zoë <b@example.com>'], cc: ['c@example.com'], bcc: ['d@example.com'], reply_to: ['r@example.com'] });
    expect(sent.context).toEqual({ endpoint: 'emails', emails: [{ to: ['a@example.com', 'b@example.com'], cc: ['c@example.com'], bcc: ['d@example.com'] }], combinable: true });
  });

  it('sends attachments base64 with content_type, and inline images with content_id', async () => {
    const inline = new EmailMessage({ from: 'a@example.com', to: ['b@example.com'], subject: 's', body: 'b' });
    const cid = inline.attachInlineImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { filename: 'logo.png', contentId: 'logo' });
    inline.attach('data.csv', 'a,b\n1,2\n', 'text/csv');
    const request = await backend().previewRequest(inline);
    const body = JSON.parse(request.body as string);
    expectValidSendEmail(body);
    expect(cid).toBe('logo');
    expect(body.attachments).toEqual([
      { filename: 'logo.png', content: 'iVBORw==', content_type: 'image/png', content_id: 'logo' },
      { filename: 'data.csv', content: Buffer.from('a,b\n1,2\n').toString('base64'), content_type: 'text/csv' },
    ]);
    expect(request.context.combinable).toBe(false);
  });

  it('sends metadata and tags as JSON in X-Metadata / X-Tags headers, beside the message headers', async () => {
    const sent = await build({ headers: { 'X-Entity-Ref-ID': 'abc-123' }, metadata: { user_id: 12345, plan: 'pro' }, tags: ['welcome', 'onboarding'] });
    expect(sent.body.headers).toEqual({ 'X-Entity-Ref-ID': 'abc-123', 'X-Metadata': '{"user_id":12345,"plan":"pro"}', 'X-Tags': '["welcome","onboarding"]' });
  });

  it('sends sendAt as scheduled_at (ISO 8601), and such an email is never combined into a batch', async () => {
    const sent = await build({ sendAt: new Date('2030-01-02T03:04:05Z') });
    expect(sent.body.scheduled_at).toBe('2030-01-02T03:04:05.000Z');
    expect(sent.context.combinable).toBe(false);
  });

  it('sends a template with its variables and without html/text; a body with a template is unsupported', async () => {
    const sent = await build({ body: '', templateId: 'tmpl_123', mergeGlobalData: { name: 'Ada', count: 3 } });
    expect(sent.body.template).toEqual({ id: 'tmpl_123', variables: { name: 'Ada', count: 3 } });
    expect(sent.body.text).toBeUndefined();
    expect(await unsupportedFeature({ templateId: 'tmpl_123' })).toMatch(/textBody \(with templateId/);
  });

  it('refuses template variables that are not strings or numbers, and merge data without a template', async () => {
    expect(await unsupportedFeature({ body: '', templateId: 't', mergeGlobalData: { nested: { a: 1 } } })).toMatch(/mergeGlobalData.*"nested"/);
    expect(await unsupportedFeature({ mergeGlobalData: { a: 'b' } })).toMatch(/mergeGlobalData \(without templateId/);
    expect(await unsupportedFeature({ mergeData: { 'delivered@resend.dev': { a: 'b' } } })).toMatch(/mergeData \(without templateId/);
  });

  it('refuses tracking options (domain settings at Resend), envelopeSender and other alternatives', async () => {
    expect(await unsupportedFeature({ trackOpens: true })).toMatch(/trackOpens/);
    expect(await unsupportedFeature({ trackClicks: false })).toMatch(/trackClicks/);
    expect(await unsupportedFeature({ envelopeSender: 'bounces@example.com' })).toMatch(/envelopeSender/);
    expect(await unsupportedFeature({ alternatives: [{ content: 'BEGIN:VCALENDAR', mimetype: 'text/calendar' }] })).toMatch(/alternatives/);
  });
});

describe('Resend payload: espExtra', () => {
  it('merges Resend API fields: native tags, topic_id, more headers, reply_to', async () => {
    const sent = await build({
      tags: ['anymail-tag'],
      espExtra: { tags: [{ name: 'category', value: 'confirm_email' }], topic_id: 'topic_1', headers: { 'X-Extra': '1' }, reply_to: 'help@example.com' },
    });
    expect(sent.body).toMatchObject({
      tags: [{ name: 'category', value: 'confirm_email' }],
      topic_id: 'topic_1',
      reply_to: 'help@example.com',
      headers: { 'X-Tags': '["anymail-tag"]', 'X-Extra': '1' },
    });
  });

  it('sends idempotencyKey as the Idempotency-Key header, not in the body, and never combines it', async () => {
    const sent = await build({ espExtra: { idempotencyKey: 'welcome-user-123' } });
    expect(sent.headers['idempotency-key']).toBe('welcome-user-123');
    expect(sent.body.idempotencyKey).toBeUndefined();
    expect(sent.context.combinable).toBe(false);
  });

  it('refuses native tags Resend would refuse, an over-long idempotency key and unknown fields (naming them)', async () => {
    expect(await unsupportedFeature({ espExtra: { tags: [{ name: 'has space', value: 'x' }] } })).toMatch(/ASCII letters/);
    expect(await unsupportedFeature({ espExtra: { idempotencyKey: 'k'.repeat(257) } })).toMatch(/idempotencyKey/);
    expect(await unsupportedFeature({ espExtra: { replyTo: 'x@example.com' } })).toMatch(/replyTo/);
  });
});

describe('Resend payload: merge (batch) sends', () => {
  const to = ['Alice <alice@example.com>', 'bob@example.com'];

  it('sends one email per to recipient through /emails/batch, each with its metadata and headers', async () => {
    const sent = await build({
      to,
      cc: ['cc@example.com'],
      metadata: { campaign: 'spring' },
      mergeMetadata: { 'alice@example.com': { user_id: '1' }, 'bob@example.com': { user_id: '2' } },
      mergeHeaders: { 'bob@example.com': { 'List-Unsubscribe': '<https://example.com/u/bob>' } },
    });
    expect(sent.path).toBe('emails/batch');
    expect(sent.body).toHaveLength(2);
    expect(sent.body[0]).toMatchObject({ to: ['Alice <alice@example.com>'], cc: ['cc@example.com'], headers: { 'X-Metadata': '{"campaign":"spring","user_id":"1"}' } });
    expect(sent.body[1].headers).toEqual({ 'X-Metadata': '{"campaign":"spring","user_id":"2"}', 'List-Unsubscribe': '<https://example.com/u/bob>' });
    expect(sent.context.emails).toEqual([
      { to: ['alice@example.com'], cc: ['cc@example.com'], bcc: [] },
      { to: ['bob@example.com'], cc: ['cc@example.com'], bcc: [] },
    ]);
  });

  it('merges per-recipient template variables over the global ones', async () => {
    const sent = await build({ to, body: '', templateId: 't1', mergeGlobalData: { offer: '5%' }, mergeData: { 'alice@example.com': { offer: '15%', name: 'Alice' } } });
    expect(sent.body.map((email: { template: unknown }) => email.template)).toEqual([
      { id: 't1', variables: { offer: '15%', name: 'Alice' } },
      { id: 't1', variables: { offer: '5%' } },
    ]);
  });

  it('refuses attachments and sendAt in a merge send (Resend\'s batch takes neither)', async () => {
    const attachments = [{ filename: 'a.txt', content: 'x', mimetype: 'text/plain', inline: false, contentId: undefined }];
    expect(await unsupportedFeature({ to, mergeMetadata: { 'bob@example.com': { a: '1' } }, attachments })).toMatch(/attachments \(with mergeMetadata/);
    expect(await unsupportedFeature({ to, mergeHeaders: { 'bob@example.com': { 'X-A': '1' } }, sendAt: new Date('2030-01-01T00:00:00Z') })).toMatch(/sendAt \(with mergeHeaders/);
    const dropped = await build({ to, mergeMetadata: { 'bob@example.com': { a: '1' } }, attachments }, { ignoreUnsupportedFeatures: true });
    expect(dropped.body[0].attachments).toBeUndefined();
  });
});
