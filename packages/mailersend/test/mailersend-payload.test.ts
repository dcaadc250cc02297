import { describe, expect, it } from 'vitest';
import { AnymailUnsupportedFeature, EmailMessage, type EmailMessageInit } from '@anymail/core';
import { MailerSendBackend, type MailerSendBackendOptions } from '../src/index.js';
import { mailerSendRequestErrors } from '../src/test/index.js';

const backend = (options: MailerSendBackendOptions = {}) => new MailerSendBackend({ apiToken: 'token-1', apiUrl: 'http://127.0.0.1:9/', ...options });
const message = (init: EmailMessageInit = {}) =>
  new EmailMessage({ from: 'Shop <shop@example.com>', to: ['to@example.com'], subject: 'Hello', body: 'Hi there', ...init });
async function preview(init: EmailMessageInit = {}, options: MailerSendBackendOptions = {}) {
  const request = await backend(options).previewRequest(message(init));
  return { request, body: JSON.parse(String(request.body)) };
}

describe('MailerSend payload', () => {
  it('builds a documented email body: addresses as {email, name}, bodies, tags, tracking, send_at', async () => {
    const sendAt = new Date(Date.now() + 3600_000);
    const msg = message({
      to: ['Ann <ann@example.com>', 'bob@example.com'],
      cc: ['cc@example.com'],
      bcc: ['bcc@example.com'],
      replyTo: ['Help <help@example.com>'],
      tags: ['welcome', 'onboarding'],
      trackClicks: false,
      trackOpens: true,
      sendAt,
    });
    msg.attachAlternative('<p>Hi there</p>', 'text/html');
    const request = await backend().previewRequest(msg);
    const body = JSON.parse(String(request.body));
    expect(request).toMatchObject({ method: 'POST', path: 'email', headers: { authorization: 'Bearer token-1', 'content-type': 'application/json' } });
    expect(body).toEqual({
      from: { email: 'shop@example.com', name: 'Shop' },
      to: [{ email: 'ann@example.com', name: 'Ann' }, { email: 'bob@example.com' }],
      cc: [{ email: 'cc@example.com' }],
      bcc: [{ email: 'bcc@example.com' }],
      reply_to: { email: 'help@example.com', name: 'Help' },
      subject: 'Hello',
      text: 'Hi there',
      html: '<p>Hi there</p>',
      tags: ['welcome', 'onboarding'],
      settings: { track_clicks: false, track_opens: true },
      send_at: Math.floor(sendAt.getTime() / 1000),
    });
    expect(mailerSendRequestErrors(body)).toEqual({});
    expect(request.context).toEqual({ endpoint: 'email', apiToken: 'token-1', messages: [{ to: ['ann@example.com', 'bob@example.com'], cc: ['cc@example.com'], bcc: ['bcc@example.com'] }] });
  });

  it('sends inline images with disposition inline and their Content-ID as id, and names unnamed attachments by type', async () => {
    const msg = message();
    const cid = msg.attachInlineImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { filename: 'logo.png' });
    msg.attachAlternative(`<img src="cid:${cid}">`, 'text/html');
    msg.attach({ content: new Uint8Array([1, 2, 3]), mimetype: 'application/pdf' });
    const body = JSON.parse(String((await backend().previewRequest(msg)).body));
    expect(body.attachments).toEqual([
      { filename: 'logo.png', content: 'iVBORw==', disposition: 'inline', id: cid },
      { filename: 'attachment.pdf', content: 'AQID', disposition: 'attachment' },
    ]);
    expect(mailerSendRequestErrors(body)).toEqual({});
  });

  it('maps In-Reply-To and Precedence to their own fields; other headers go to headers[]', async () => {
    const { body } = await preview({ headers: { 'In-Reply-To': '<abc@example.com>', Precedence: 'bulk', 'X-Campaign': 'spring' } });
    expect(body).toMatchObject({ in_reply_to: 'abc@example.com', precedence_bulk: true, headers: [{ name: 'X-Campaign', value: 'spring' }] });
    expect((await preview({ headers: { Precedence: 'first-class' } })).body).toMatchObject({ precedence_bulk: false });
    expect((await preview({ headers: { Precedence: 'first-class' } })).body.headers).toBeUndefined();
  });

  it('takes one Reply-To: several raise, or keep the first with ignoreUnsupportedFeatures', async () => {
    await expect(preview({ replyTo: ['a@example.com', 'b@example.com'] })).rejects.toThrow(AnymailUnsupportedFeature);
    const { body } = await preview({ replyTo: ['a@example.com', 'b@example.com'] }, { ignoreUnsupportedFeatures: true });
    expect(body.reply_to).toEqual({ email: 'a@example.com' });
  });

  it('sends a stored template with only template_id (subject and body from the template)', async () => {
    const { body } = await preview({ subject: '', body: '', templateId: 'vzq12345678', mergeGlobalData: { order: '12345' } });
    expect(body).toEqual({
      from: { email: 'shop@example.com', name: 'Shop' },
      to: [{ email: 'to@example.com' }],
      template_id: 'vzq12345678',
      personalization: [{ email: 'to@example.com', data: { order: '12345' } }],
    });
    expect(mailerSendRequestErrors(body)).toEqual({});
  });

  it('copies global merge data to every recipient, under each one\'s own (MailerSend has no global data)', async () => {
    const { request, body } = await preview({
      to: ['a@example.com'],
      mergeData: { 'a@example.com': { name: 'A', ship: 'today' } },
      mergeGlobalData: { ship: 'May 15', shop: 'Example' },
    });
    expect(request.path).toBe('email');
    expect(body.personalization).toEqual([{ email: 'a@example.com', data: { ship: 'today', shop: 'Example', name: 'A' } }]);
  });

  describe('merge data for several To recipients (batch send modes)', () => {
    const batch = { to: ['a@example.com', 'B <b@example.com>'], mergeData: { 'a@example.com': { name: 'A' }, 'b@example.com': { name: 'B' } }, mergeGlobalData: { g: 1 } };

    it('refuses without a batch send mode, even with ignoreUnsupportedFeatures, naming both modes', async () => {
      for (const options of [{}, { ignoreUnsupportedFeatures: true }]) {
        const error = await preview(batch, options).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(AnymailUnsupportedFeature);
        expect((error as AnymailUnsupportedFeature).feature).toBe('mergeData');
        expect((error as Error).message).toMatch(/batchSendMode.*use-bulk-email.*expose-to-list/);
      }
    });

    it("'expose-to-list': one email, a personalization entry per recipient", async () => {
      const { request, body } = await preview(batch, { batchSendMode: 'expose-to-list' });
      expect(request.path).toBe('email');
      expect(body.to).toEqual([{ email: 'a@example.com' }, { email: 'b@example.com', name: 'B' }]);
      expect(body.personalization).toEqual([
        { email: 'a@example.com', data: { g: 1, name: 'A' } },
        { email: 'b@example.com', data: { g: 1, name: 'B' } },
      ]);
    });

    it("'use-bulk-email': one bulk-email message per To recipient, espExtra merged into each", async () => {
      const { request, body } = await preview(
        { ...batch, cc: ['cc@example.com'], espExtra: { batchSendMode: 'use-bulk-email', settings: { track_content: true } } },
        {},
      );
      expect(request.path).toBe('bulk-email');
      expect(body).toHaveLength(2);
      expect(body.map((entry: any) => [entry.to, entry.personalization, entry.cc, entry.settings])).toEqual([
        [[{ email: 'a@example.com' }], [{ email: 'a@example.com', data: { g: 1, name: 'A' } }], [{ email: 'cc@example.com' }], { track_content: true }],
        [[{ email: 'b@example.com', name: 'B' }], [{ email: 'b@example.com', data: { g: 1, name: 'B' } }], [{ email: 'cc@example.com' }], { track_content: true }],
      ]);
      for (const entry of body) expect(mailerSendRequestErrors(entry)).toEqual({});
      expect(request.context.messages).toEqual([
        { to: ['a@example.com'], cc: ['cc@example.com'], bcc: [] },
        { to: ['b@example.com'], cc: ['cc@example.com'], bcc: [] },
      ]);
      expect(body[0]).not.toHaveProperty('batchSendMode');
    });
  });

  describe('espExtra', () => {
    it('deep-merges MailerSend fields and takes a per-message apiToken (not sent in the body)', async () => {
      const { request, body } = await preview({ trackOpens: true, espExtra: { apiToken: 'token-2', settings: { track_content: false }, list_unsubscribe: '<mailto:u@example.com>' } });
      expect(request.headers.authorization).toBe('Bearer token-2');
      expect(request.context.apiToken).toBe('token-2');
      expect(body.settings).toEqual({ track_opens: true, track_content: false });
      expect(body.list_unsubscribe).toBe('<mailto:u@example.com>');
      expect(body).not.toHaveProperty('apiToken');
    });
    it('refuses an unknown key, naming it', async () => {
      const error = await preview({ espExtra: { template_variables: {} } }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AnymailUnsupportedFeature);
      expect((error as Error).message).toMatch(/template_variables/);
    });
  });

  it('refuses metadata, envelope sender, merge metadata and merge headers (MailerSend has no such fields)', async () => {
    for (const init of [{ metadata: { a: '1' } }, { envelopeSender: 'b@example.com' }, { mergeMetadata: { 'to@example.com': { a: '1' } } }, { mergeHeaders: { 'to@example.com': { 'X-A': '1' } } }]) {
      await expect(preview(init)).rejects.toThrow(AnymailUnsupportedFeature);
    }
  });
});
