// End to end against aws-ses-v2-local (a real SES v2 emulator, MIT) on 127.0.0.1: the backend
// sends and bulk-sends over HTTP, then the test reads back what the emulator stored (GET /store).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { EmailMessage, decodeRfc2047 } from '@anymail/core';
import startEmulator from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SesBackend } from '../src/index.js';

interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  attachments: Array<{ filename?: string; content: string }>;
  headers?: Array<{ name: string; value: string }>;
}

let server: Server;
let endpoint: string;
let backend: SesBackend;

async function stored(messageId: string): Promise<StoredEmail> {
  const response = await fetch(new URL('store', endpoint));
  expect(response.status).toBe(200);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  const email = emails.find((e) => e.messageId === messageId);
  if (!email) throw new Error(`the emulator stored no email ${messageId}; it has ${emails.map((e) => e.messageId).join(', ') || 'none'}`);
  return email;
}

beforeAll(async () => {
  // Fails loudly (the suite errors) when the emulator cannot start: no silent skip.
  server = await (startEmulator as unknown as (config: { host: string; port: number }) => Promise<Server>)({ host: '127.0.0.1', port: 0 });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  backend = new SesBackend({ endpoint, region: 'us-east-1', accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator-secret', timeoutMs: 5000 });
  // The emulator's own template API (signed like any SES call); SES templates are Handlebars.
  const created = await fetch(new URL('v2/email/templates', endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEMULATOR/x' },
    body: JSON.stringify({
      TemplateName: 'welcome',
      TemplateContent: { Subject: 'Welcome {{name}}', Text: 'Hello {{name}} from {{site}}', Html: '<p>Hello {{name}} from {{site}}</p>' },
    }),
  });
  expect(created.status).toBe(200);
});

afterAll(async () => {
  await backend?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('SesBackend against aws-ses-v2-local', () => {
  it('sends a raw MIME message the emulator parses and stores', async () => {
    const message = new EmailMessage({
      from: 'Zoë Sender <sender@example.com>',
      to: ['One <one@example.com>'],
      cc: ['cc@example.com'],
      bcc: ['hidden@example.com'],
      replyTo: ['reply@example.com'],
      subject: 'Grüße from Anymail',
      body: 'Plain text body',
      metadata: { order: 42 },
      tags: ['welcome'],
      // A Message-ID of its own is a header SES owns in Content.Simple, so this message goes raw.
      headers: { 'Message-ID': '<e2e-raw@example.com>' },
      connection: backend,
    });
    message.attachAlternative('<p>HTML body</p>', 'text/html');
    message.attach('notes.txt', 'attached text', 'text/plain');
    await expect(message.send()).resolves.toBe(1);
    const status = message.anymailStatus!;
    expect([...status.status]).toEqual(['queued']);
    expect(Object.keys(status.recipients).sort()).toEqual(['cc@example.com', 'hidden@example.com', 'one@example.com']);
    const email = await stored(status.recipients['one@example.com']!.messageId!);
    expect(email.from).toBe('"Zoë Sender" <sender@example.com>'); // mailparser's rendering of the decoded name
    expect(email.destination.to).toEqual(['"One" <one@example.com>']);
    expect(email.destination.cc).toEqual(['cc@example.com']);
    expect(email.replyTo).toEqual(['reply@example.com']);
    expect(email.subject).toBe('Grüße from Anymail');
    expect(email.body.text?.trim()).toBe('Plain text body');
    expect(email.body.html).toContain('<p>HTML body</p>');
    expect(email.attachments.map((a) => a.filename)).toEqual(['notes.txt']);
    expect(Buffer.from(email.attachments[0]!.content, 'base64').toString()).toBe('attached text');
  });

  it('sends a text + HTML message with headers and attachments as Content.Simple', async () => {
    const message = new EmailMessage({
      from: 'Zoë <sender@example.com>',
      to: ['Two <two@example.com>'],
      replyTo: ['reply@example.com'],
      subject: 'Ünïcode subject ✓',
      body: 'Grüße\nline two',
      headers: { 'X-Campaign': 'été' },
      metadata: { order: 7 },
      connection: backend,
    });
    message.attachAlternative('<p>Grüße</p>', 'text/html');
    message.attach('notes.txt', 'attached text', 'text/plain');
    await message.send();
    const email = await stored(message.anymailStatus!.recipients['two@example.com']!.messageId!);
    // The emulator stores Simple fields as sent (real SES decodes them when it writes the MIME).
    expect(decodeRfc2047(email.from)).toBe('Zoë <sender@example.com>');
    expect(email.destination.to).toEqual(['Two <two@example.com>']);
    expect(email.replyTo).toEqual(['reply@example.com']);
    expect(decodeRfc2047(email.subject)).toBe('Ünïcode subject ✓');
    expect(email.body.text).toBe('Grüße\nline two');
    expect(email.body.html).toBe('<p>Grüße</p>');
    expect(email.headers).toEqual([
      { name: 'X-Metadata', value: '{"order":7}' },
      { name: 'X-Campaign', value: '=?utf-8?b?w6l0w6k=?=' },
    ]);
    expect(email.attachments.map((a) => a.filename)).toEqual(['notes.txt']);
    expect(Buffer.from(email.attachments[0]!.content, 'base64').toString()).toBe('attached text');
  });

  it('sends a message Simple cannot express (an attached message) as raw MIME', async () => {
    const message = new EmailMessage({ from: 'Zoë <sender@example.com>', to: ['three@example.com'], subject: 'Fwd', body: 'See attached', connection: backend });
    message.attach({ filename: 'original.eml', content: new EmailMessage({ from: 'a@example.com', to: ['b@example.com'], subject: 'Original', body: 'x' }), mimetype: 'message/rfc822' });
    await message.send();
    const email = await stored(message.anymailStatus!.recipients['three@example.com']!.messageId!);
    expect(email.from).toBe('"Zoë" <sender@example.com>'); // mailparser decoded the raw MIME
    expect(email.subject).toBe('Fwd');
    expect(email.body.text?.trim()).toBe('See attached');
  });

  it('bulk-sends a template with per-recipient data and headers', async () => {
    const message = new EmailMessage({
      from: 'sender@example.com',
      // Bare addresses: the emulator checks Destination entries with the WHATWG e-mail pattern (no display names).
      to: ['ann@example.com', 'bob@example.com'],
      templateId: 'welcome',
      mergeGlobalData: { site: 'Example' },
      mergeData: { 'ann@example.com': { name: 'Ann' }, 'bob@example.com': { name: 'Bob' } },
      mergeHeaders: { 'bob@example.com': { 'X-Order': '7' } },
      metadata: { campaign: 'spring' },
      connection: backend,
    });
    await expect(message.send()).resolves.toBe(1);
    const status = message.anymailStatus!;
    expect(status.recipients['ann@example.com']!.status).toBe('queued');
    expect(status.recipients['bob@example.com']!.status).toBe('queued');
    const ann = await stored(status.recipients['ann@example.com']!.messageId!);
    const bob = await stored(status.recipients['bob@example.com']!.messageId!);
    expect(ann.subject).toBe('Welcome Ann');
    expect(ann.body.text).toBe('Hello Ann from Example');
    expect(ann.destination.to).toEqual(['ann@example.com']);
    expect(bob.subject).toBe('Welcome Bob');
    expect(bob.body.html).toBe('<p>Hello Bob from Example</p>');
    expect(bob.headers).toEqual(expect.arrayContaining([{ name: 'X-Order', value: '7' }, { name: 'X-Metadata', value: '{"campaign":"spring"}' }]));
  });

  it('reports a bulk entry the emulator refuses (FAILED) as failed, the others queued', async () => {
    // The emulator fails entries whose address has a display name (see above): a real per-entry failure.
    const message = new EmailMessage({ from: 'sender@example.com', to: ['ok@example.com', 'Carl <carl@example.com>'], templateId: 'welcome', mergeData: {}, connection: backend });
    await expect(message.send()).resolves.toBe(1);
    const { recipients } = message.anymailStatus!;
    expect(recipients['ok@example.com']!.status).toBe('queued');
    expect(recipients['carl@example.com']!.status).toBe('failed');
    expect([...message.anymailStatus!.status].sort()).toEqual(['failed', 'queued']);
    expect((await stored(recipients['ok@example.com']!.messageId!)).subject).toBe('Welcome ');
  });

  it('maps a missing template (emulator 404 NotFoundException) to invalid-request', async () => {
    const message = new EmailMessage({ from: 'sender@example.com', to: ['ann@example.com'], templateId: 'no-such-template', connection: backend });
    const error = await message.send().catch((e: unknown) => e);
    expect(error).toMatchObject({ category: 'invalid-request', statusCode: 404, espName: 'Amazon SES' });
    expect(String((error as Error).message)).toContain('NotFoundException');
  });
});
