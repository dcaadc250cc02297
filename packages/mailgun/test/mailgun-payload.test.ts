import { AnymailUnsupportedFeature } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { AUTH, buildForm, expectSpecFields } from './support/mailgun-form.js';

describe('Mailgun payload: standard fields', () => {
  it('posts a urlencoded form to {domain}/messages with Basic auth api:<key>', async () => {
    const form = await buildForm({});
    expect(form.request.method).toBe('POST');
    expect(form.request.path).toBe('example.com/messages');
    expect(form.request.headers.authorization).toBe(AUTH);
    expect(form.request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form.fields).toEqual([
      ['from', 'from@example.com'],
      ['to', 'to@example.com'],
      ['subject', 'Subject'],
      ['text', 'Body'],
    ]);
    expectSpecFields(form);
  });

  it('sends a From header in the from field, the message from choosing the sender domain (envelope), as Anymail', async () => {
    const form = await buildForm({ from: 'bounces@mg.example.com', headers: { From: 'Shown <shown@example.com>', 'X-Other': '1' } });
    expect(form.getAll('from')).toEqual(['Shown <shown@example.com>']);
    expect(form.fields.filter(([name]) => name.toLowerCase() === 'h:from')).toEqual([]);
    expect(form.getAll('h:X-Other')).toEqual(['1']);
    expect(form.request.path).toBe('mg.example.com/messages');
    expectSpecFields(form);
  });

  it('sends several from addresses in one field, names quoted or encoded', async () => {
    const form = await buildForm({ from: '"Smith, Jo" <jo@example.com>, Zoë <zoe@example.com>' });
    expect(form.getAll('from')).toEqual(['"Smith, Jo" <jo@example.com>, =?utf-8?b?Wm/Dqw==?= <zoe@example.com>']);
    expectSpecFields(form);
  });

  it('repeats to, cc and bcc once per address and records every recipient', async () => {
    const form = await buildForm({ to: ['a@example.com', 'B <b@example.com>'], cc: ['c@example.com'], bcc: ['d@example.com'] });
    expect(form.getAll('to')).toEqual(['a@example.com', 'B <b@example.com>']);
    expect(form.getAll('cc')).toEqual(['c@example.com']);
    expect(form.getAll('bcc')).toEqual(['d@example.com']);
    expect(form.context.recipients).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);
    expectSpecFields(form);
  });

  it('sends replyTo as h:Reply-To, winning over a Reply-To in headers', async () => {
    const form = await buildForm({ replyTo: ['r1@example.com', 'R2 <r2@example.com>'], headers: { 'reply-to': 'old@example.com' } });
    expect(form.getAll('h:Reply-To')).toEqual(['r1@example.com, R2 <r2@example.com>']);
    expect(form.get('h:reply-to')).toBeUndefined();
    expectSpecFields(form);
  });

  it('sends extra headers as h: fields', async () => {
    const form = await buildForm({ headers: { 'X-Custom': 'value', 'List-Unsubscribe': '<mailto:u@example.com>' } });
    expect(form.get('h:X-Custom')).toBe('value');
    expect(form.get('h:List-Unsubscribe')).toBe('<mailto:u@example.com>');
    expectSpecFields(form);
  });

  it('sends text, html and amp-html bodies', async () => {
    const form = await buildForm({
      setup: (m) => {
        m.attachAlternative('<p>Hi</p>', 'text/html');
        m.attachAlternative('<html ⚡4email></html>', 'text/x-amp-html');
      },
    });
    expect([form.get('text'), form.get('html'), form.get('amp-html')]).toEqual(['Body', '<p>Hi</p>', '<html ⚡4email></html>']);
    expectSpecFields(form);
  });

  it('sends an html-only body as html', async () => {
    const form = await buildForm({ body: '<b>x</b>', setup: (m) => (m.contentSubtype = 'html') });
    expect(form.get('html')).toBe('<b>x</b>');
    expect(form.get('text')).toBeUndefined();
  });

  it('raises AnymailUnsupportedFeature for other alternatives', async () => {
    const error = await buildForm({ setup: (m) => m.attachAlternative('BEGIN:VCALENDAR', 'text/calendar') }).catch((e: unknown) => e);
    expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
    expect((error as AnymailUnsupportedFeature).feature).toBe('alternatives');
  });
});

describe('Mailgun payload: attachments', () => {
  it('switches to multipart with attachment and inline file parts (inline filename = Content-ID)', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const form = await buildForm({
      setup: (m) => {
        m.attach('report.csv', 'a,b\n1,2', 'text/csv');
        m.attach({ filename: 'logo.png', content: png, mimetype: 'image/png', contentId: 'logo@example' });
        m.attach('data.bin', new Uint8Array([0, 13, 10, 45, 45]));
      },
    });
    expect(form.request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=anymail-[0-9a-f]{24}$/);
    expect(form.files.map((f) => [f.field, f.filename, f.type])).toEqual([
      ['attachment', 'report.csv', 'text/csv; charset=utf-8'],
      ['inline', 'logo@example', 'image/png'],
      ['attachment', 'data.bin', 'application/octet-stream'],
    ]);
    expect(form.files[0]!.text).toBe('a,b\n1,2');
    expect(form.files[1]!.bytes).toEqual(png);
    expect(form.files[2]!.bytes).toEqual(new Uint8Array([0, 13, 10, 45, 45]));
    expect(form.get('text')).toBe('Body');
    expectSpecFields(form);
  });

  it('uses the Content-ID from attachInlineImage as the inline filename', async () => {
    let cid = '';
    const form = await buildForm({ setup: (m) => (cid = m.attachInlineImage(new Uint8Array([1, 2, 3]), { filename: 'pic.png' })) });
    expect(form.files[0]!.field).toBe('inline');
    expect(form.files[0]!.filename).toBe(cid);
  });

  it('attaches a message as message/rfc822 and names an unnamed file', async () => {
    const { EmailMessage } = await import('@anymail/core');
    const inner = new EmailMessage({ from: 'a@example.com', to: ['b@example.com'], subject: 'Inner', body: 'inner body' });
    const form = await buildForm({ setup: (m) => m.attach({ content: inner, mimetype: 'message/rfc822' }) });
    expect(form.files[0]!.type).toBe('message/rfc822');
    expect(form.files[0]!.filename).toBe('attachment');
    expect(form.files[0]!.text).toContain('Subject: Inner');
  });
});

describe('Mailgun payload: Anymail features', () => {
  it('sends metadata as v: fields (non-strings as JSON)', async () => {
    const form = await buildForm({ metadata: { userId: '12345', order: { n: 1 } } });
    expect(form.get('v:userId')).toBe('12345');
    expect(form.get('v:order')).toBe('{"n":1}');
    expect(form.get('recipient-variables')).toBeUndefined();
    expectSpecFields(form);
  });

  it('repeats o:tag per tag', async () => {
    const form = await buildForm({ tags: ['one', 'two'] });
    expect(form.getAll('o:tag')).toEqual(['one', 'two']);
    expectSpecFields(form);
  });

  it('sends trackClicks and trackOpens as o:tracking-clicks/opens yes|no', async () => {
    const form = await buildForm({ trackClicks: true, trackOpens: false });
    expect(form.get('o:tracking-clicks')).toBe('yes');
    expect(form.get('o:tracking-opens')).toBe('no');
    expectSpecFields(form);
  });

  it('sends sendAt as an RFC 2822 o:deliverytime', async () => {
    const form = await buildForm({ sendAt: new Date('2030-01-02T03:04:05.678Z') });
    expect(form.get('o:deliverytime')).toBe('Wed, 02 Jan 2030 03:04:05 +0000');
    expectSpecFields(form);
  });

  it('sends templateId as template', async () => {
    const form = await buildForm({ templateId: 'welcome', body: '' });
    expect(form.get('template')).toBe('welcome');
    expect(form.get('text')).toBeUndefined();
    expectSpecFields(form);
  });
});
