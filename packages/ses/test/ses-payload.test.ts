import { AnymailUnsupportedFeature, EmailMessage, resolveMessage, type SendDefaults } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { SesBackend, type SesBackendOptions } from '../src/index.js';
import { metadataHeaderValue } from '../src/ses-payload.js';
import { describeSesError, awsErrorName } from '../src/ses-errors.js';
import type { EspResponse } from '@anymail/core';

type Settings = Pick<SesBackendOptions, 'configurationSetName' | 'messageTagName'>;

/** The request SesBackend builds for a message (no signing, nothing sent). */
function preview(message: EmailMessage, options: { ignore?: boolean; settings?: Settings } = {}) {
  const backend = new SesBackend({
    region: 'us-east-1',
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'payload-test-secret',
    env: {},
    ignoreUnsupportedFeatures: options.ignore ?? false,
    ...options.settings,
  });
  return backend.previewRequest(message);
}

const requestBody = async (message: EmailMessage) => JSON.parse(Buffer.from((await preview(message)).body as Uint8Array).toString());

async function build(init: ConstructorParameters<typeof EmailMessage>[0], options: { ignore?: boolean; defaults?: SendDefaults; settings?: Settings } = {}) {
  const given = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Subject', body: 'Body', ...init });
  // Send defaults are applied before the backend builds the request, as in a send.
  const message = options.defaults ? resolveMessage(given, options.defaults) : given;
  const request = await preview(message, options);
  const body = JSON.parse(Buffer.from(request.body as Uint8Array).toString());
  const mime = body.Content?.Raw ? Buffer.from(body.Content.Raw.Data, 'base64').toString('utf8') : '';
  return { request, body, mime };
}

const unsupportedFeature = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof AnymailUnsupportedFeature ? error.feature : error),
  );

/** A header's values in a SendEmail request: Content.Simple.Headers, or the raw MIME. */
function headerValues(body: any, name: string): string[] {
  if (body.Content.Simple) return (body.Content.Simple.Headers ?? []).filter((h: { Name: string }) => h.Name.toLowerCase() === name.toLowerCase()).map((h: { Value: string }) => h.Value);
  const mime = Buffer.from(body.Content.Raw.Data, 'base64').toString('utf8');
  return [...mime.matchAll(new RegExp(`^${name}: (.*)\r$`, 'gim'))].map((m) => m[1]!);
}

describe('SendEmail with Content.Simple (SES writes the MIME)', () => {
  it('sends subject, bodies, addresses with names, headers and attachments as Simple fields', async () => {
    const { body, mime } = await build({
        from: 'Zoë <zoe@example.com>',
        to: ['"Doe, Jane" <jane@example.com>'],
        cc: ['cc@example.com'],
        bcc: ['Hidden <bcc@example.com>'],
        replyTo: ['Help <help@example.com>'],
        subject: 'Grüße',
        body: 'Text ✓',
        headers: { 'X-Campaign': 'été', 'List-Unsubscribe': '<mailto:u@example.com>' },
      });
    expect(mime).toBe('');
    expect(body.FromEmailAddress).toBe('=?utf-8?b?Wm/Dqw==?= <zoe@example.com>');
    expect(body.Destination).toEqual({ ToAddresses: ['"Doe, Jane" <jane@example.com>'], CcAddresses: ['cc@example.com'], BccAddresses: ['Hidden <bcc@example.com>'] });
    expect(body.ReplyToAddresses).toEqual(['Help <help@example.com>']);
    expect(body.Content.Simple).toEqual({
      Subject: { Data: '=?utf-8?b?R3LDvMOfZQ==?=' },
      Body: { Text: { Data: 'Text ✓', Charset: 'UTF-8' } },
      Headers: [
        { Name: 'X-Campaign', Value: '=?utf-8?b?w6l0w6k=?=' },
        { Name: 'List-Unsubscribe', Value: '<mailto:u@example.com>' },
      ],
    });
  });

  it('sends text + HTML, and file and inline attachments as Simple.Attachments', async () => {
    const message = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'S', body: 'Text' });
    message.attachAlternative('<p>HTML <img src="cid:logo"></p>', 'text/html');
    message.attach('notes.txt', 'héllo', 'text/plain');
    message.attachInlineImage(new Uint8Array([1, 2, 3]), { filename: 'logo.png', contentId: 'logo' });
    const body = await requestBody(message);
    expect(body.Content.Simple.Body).toEqual({ Text: { Data: 'Text', Charset: 'UTF-8' }, Html: { Data: '<p>HTML <img src="cid:logo"></p>', Charset: 'UTF-8' } });
    expect(body.Content.Simple.Attachments).toEqual([
      { RawContent: Buffer.from('héllo').toString('base64'), FileName: 'notes.txt', ContentType: 'text/plain; charset=utf-8', ContentDisposition: 'ATTACHMENT', ContentTransferEncoding: 'BASE64' },
      { RawContent: 'AQID', FileName: 'logo.png', ContentType: 'image/png', ContentDisposition: 'INLINE', ContentTransferEncoding: 'BASE64', ContentId: 'logo' },
    ]);
  });

  it('sends raw MIME for what Simple cannot express as given', async () => {
    const raw = async (init: ConstructorParameters<typeof EmailMessage>[0], edit?: (m: EmailMessage) => void) => {
      const message = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'S', body: 'Text', ...init });
      edit?.(message);
      const body = await requestBody(message);
      return body.Content.Raw !== undefined && body.Content.Simple === undefined;
    };
    expect(await raw({})).toBe(false);
    expect(await raw({ subject: '' })).toBe(true);
    expect(await raw({ body: '' })).toBe(true);
    expect(await raw({ headers: { 'Message-ID': '<mine@example.com>' } })).toBe(true);
    expect(await raw({ headers: { Date: 'Fri, 04 Dec 2026 12:00:00 +0000' } })).toBe(true);
    expect(await raw({ headers: { 'X-Long': 'x'.repeat(871) } })).toBe(true);
    expect(await raw({ headers: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`X-H${i}`, 'v'])) })).toBe(true);
    expect(await raw({ espExtra: { Content: { Raw: {} } } })).toBe(true);
    expect(await raw({ espExtra: { Destination: { BccAddresses: ['audit@example.com'] } } })).toBe(true);
    expect(await raw({}, (m) => m.attachAlternative('BEGIN:VCALENDAR', 'text/calendar'))).toBe(true);
    expect(await raw({}, (m) => m.attach({ filename: 'fwd.eml', content: new EmailMessage({ from: 'a@example.com', to: ['b@example.com'], body: 'x' }), mimetype: 'message/rfc822' }))).toBe(true);
    expect(await raw({}, (m) => m.attach({ content: 'no name', mimetype: 'text/plain' }))).toBe(true);
  });
});

describe('SendEmail payload', () => {
  it('RFC 2047-encodes a non-ASCII from name and punycodes the domain', async () => {
    const { body, mime } = await build({ from: 'Zoë Ünïcode <zoe@bücher.example>' });
    expect(body.FromEmailAddress).toBe('=?utf-8?b?Wm/DqyDDnG7Dr2NvZGU=?= <zoe@xn--bcher-kva.example>');
    // Content.Simple: SES writes the From header from FromEmailAddress.
    expect(body.Content.Simple).toBeDefined();
  });

  it('puts metadata in X-Metadata as ASCII JSON and each tag in its own X-Tag header', async () => {
    const { body } = await build({ metadata: { user: 'Zoë', n: 1 }, tags: ['one', 'two', 'drei€'] });
    expect(headerValues(body, 'X-Metadata')).toEqual(['{"user":"Zo\\u00eb","n":1}']);
    expect(JSON.parse(metadataHeaderValue({ user: 'Zoë' }))).toEqual({ user: 'Zoë' });
    expect(headerValues(body, 'X-Tag')).toEqual(['one', 'two', '=?utf-8?b?ZHJlaeKCrA==?=']);
  });

  it('refuses metadata over the SES header value limit (870 characters of JSON)', async () => {
    expect(await unsupportedFeature(build({ metadata: { big: 'x'.repeat(900) } }))).toBe('metadata');
    const { mime } = await build({ metadata: { big: 'x'.repeat(900) } }, { ignore: true });
    expect(mime).not.toContain('X-Metadata');
    expect(await unsupportedFeature(build({ subject: '', body: '', templateId: 't', mergeMetadata: { 'to@example.com': { big: 'x'.repeat(900) } } }))).toBe('mergeMetadata');
  });

  it("keeps the message's own X-Metadata header over the generated one", async () => {
    const { body } = await build({ metadata: { a: 1 }, headers: { 'X-Metadata': 'custom' } });
    expect(headerValues(body, 'x-metadata')).toEqual(['custom']);
  });

  it('builds the content from send defaults too (to, subject, headers)', async () => {
    const { body } = await build({ to: [], subject: '' }, { defaults: { to: ['default@example.com'], subject: 'Default subject', headers: { 'X-Default': 'yes' } } });
    expect(body.Destination).toEqual({ ToAddresses: ['default@example.com'] });
    expect(body.Content.Simple.Subject).toEqual({ Data: 'Default subject' });
    expect(headerValues(body, 'X-Default')).toEqual(['yes']);
  });

  it('adds the configuration set, and the tag as EmailTags with messageTagName', async () => {
    const { body, request } = await build({ tags: ['welcome_1'] }, { settings: { configurationSetName: 'events', messageTagName: 'campaign' } });
    expect(body.ConfigurationSetName).toBe('events');
    expect(body.EmailTags).toEqual([{ Name: 'campaign', Value: 'welcome_1' }]);
    expect(request.context).toEqual({ operation: 'SendEmail', recipients: ['to@example.com'] });
  });

  it('refuses two tags, or a tag SES cannot take, with messageTagName; ignoreUnsupportedFeatures keeps X-Tag only', async () => {
    const withName = { settings: { messageTagName: 'campaign' } };
    expect(await unsupportedFeature(build({ tags: ['a', 'b'] }, withName))).toBe('tags');
    expect(await unsupportedFeature(build({ tags: ['has space'] }, withName))).toBe('tags');
    const { body } = await build({ tags: ['has space'] }, { ...withName, ignore: true });
    expect(body.EmailTags).toBeUndefined();
    expect(headerValues(body, 'X-Tag')).toEqual(['has space']);
  });

  it('deep-merges espExtra into the request and checks known fields', async () => {
    const own = Buffer.from('From: a@example.com\r\n\r\nmine').toString('base64');
    const { body } = await build({ espExtra: { Content: { Raw: { Data: own } }, ListManagementOptions: { ContactListName: 'news' }, Destination: { BccAddresses: ['audit@example.com'] } } });
    expect(body.Content).toEqual({ Raw: { Data: own } });
    expect(body.ListManagementOptions).toEqual({ ContactListName: 'news' });
    expect(body.Destination).toEqual({ ToAddresses: ['to@example.com'], BccAddresses: ['audit@example.com'] });
    expect(await unsupportedFeature(build({ espExtra: { EmailTags: 'nope' } }))).toBe('espExtra');
    const lenient = await build({ espExtra: { EmailTags: 'nope', TenantName: 't1' } }, { ignore: true });
    expect(lenient.body.EmailTags).toBeUndefined();
    expect(lenient.body.TenantName).toBe('t1');
  });

  // Issue #15: one espExtra policy. SES used to forward unknown fields as they were; now a field
  // the SES v2 SendEmail/SendBulkEmail model does not have is refused, naming the closest one.
  it('refuses espExtra fields SES v2 does not have, also nested ones, and drops them with ignoreUnsupportedFeatures', async () => {
    const refused = (await build({ espExtra: { ConfigurationSetNme: 'events' } }).catch((e: unknown) => e)) as AnymailUnsupportedFeature;
    expect(refused).toBeInstanceOf(AnymailUnsupportedFeature);
    expect(refused.feature).toBe('espExtra');
    expect(refused.message).toContain('unknown field "ConfigurationSetNme" (did you mean "ConfigurationSetName"?)');
    expect(refused.message).toContain('allowed: FromEmailAddress, FromEmailAddressIdentityArn');
    expect(await unsupportedFeature(build({ espExtra: { ConfigurationOverrides: { Tracking: {} } } }))).toBe('espExtra');
    expect(await unsupportedFeature(build({ espExtra: { Content: { Raw: { Extra: 1 } } } }))).toBe('espExtra');
    expect(await unsupportedFeature(build({ espExtra: { BulkEmailEntries: [] } }))).toBe('espExtra');
    const lenient = await build({ espExtra: { ConfigurationSetNme: 'events', TenantName: 't1' } }, { ignore: true });
    expect(lenient.body.ConfigurationSetNme).toBeUndefined();
    expect(lenient.body.ConfigurationSetName).toBeUndefined();
    expect(lenient.body.TenantName).toBe('t1');
  });

  it('takes every SES v2 field Anymail lets through in espExtra', async () => {
    const extra = {
      FromEmailAddressIdentityArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com',
      FeedbackForwardingEmailAddress: 'bounces@example.com',
      FeedbackForwardingEmailAddressIdentityArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com',
      ReplyToAddresses: ['reply@example.com'],
      ConfigurationSetName: 'events',
      EmailTags: [{ Name: 'campaign', Value: 'spring' }],
      EndpointId: 'abc123.xyz',
      TenantName: 'tenant-1',
    };
    const { body } = await build({ espExtra: extra });
    expect(body).toMatchObject(extra);
    const bulk = await build({ subject: '', body: '', templateId: 'welcome', espExtra: { DefaultEmailTags: [{ Name: 'a', Value: 'b' }], DefaultContent: { Template: { TemplateData: '{"x":1}' } } } });
    expect(bulk.body.DefaultEmailTags).toEqual([{ Name: 'a', Value: 'b' }]);
    expect(bulk.body.DefaultContent.Template).toEqual({ TemplateName: 'welcome', TemplateData: '{"x":1}' });
  });

  it('refuses per-recipient data without a template', async () => {
    expect(await unsupportedFeature(build({ mergeData: { 'to@example.com': { a: 1 } } }))).toBe('mergeData');
    expect(await unsupportedFeature(build({ mergeHeaders: { 'to@example.com': { 'X-A': '1' } } }))).toBe('mergeHeaders');
  });
});

describe('SendBulkEmail payload', () => {
  const templated = { subject: '', body: '', templateId: 'welcome' };

  it('makes one entry per to-recipient with its data, headers and metadata', async () => {
    const { request, body } = await build({
      ...templated,
      from: 'Zoë <from@example.com>',
      to: ['Ann <ann@example.com>', 'bob@example.com'],
      replyTo: ['reply@example.com'],
      headers: { 'X-Campaign': 'spring' },
      metadata: { site: 'a', shared: 1 },
      mergeGlobalData: { site: 'Example' },
      mergeData: { 'ann@example.com': { name: 'Ann' } },
      mergeMetadata: { 'bob@example.com': { site: 'b' } },
      mergeHeaders: { 'bob@example.com': { 'X-Order': 'ünï' } },
      envelopeSender: 'bounce@example.com',
    });
    expect(request.path).toBe('v2/email/outbound-bulk-emails');
    expect(request.context).toEqual({ operation: 'SendBulkEmail', recipients: ['ann@example.com', 'bob@example.com'] });
    expect(body.FromEmailAddress).toBe('=?utf-8?b?Wm/Dqw==?= <from@example.com>');
    expect(body.ReplyToAddresses).toEqual(['reply@example.com']);
    expect(body.FeedbackForwardingEmailAddress).toBe('bounce@example.com');
    expect(body.DefaultContent.Template).toEqual({
      TemplateName: 'welcome',
      TemplateData: '{"site":"Example"}',
      Headers: [
        { Name: 'X-Metadata', Value: '{"site":"a","shared":1}' },
        { Name: 'X-Campaign', Value: 'spring' },
      ],
    });
    expect(body.BulkEmailEntries).toEqual([
      {
        Destination: { ToAddresses: ['Ann <ann@example.com>'] },
        ReplacementEmailContent: { ReplacementTemplate: { ReplacementTemplateData: '{"name":"Ann"}' } },
      },
      {
        Destination: { ToAddresses: ['bob@example.com'] },
        ReplacementEmailContent: { ReplacementTemplate: { ReplacementTemplateData: '{}' } },
        ReplacementHeaders: [
          { Name: 'X-Metadata', Value: '{"site":"b","shared":1}' },
          { Name: 'X-Order', Value: '=?utf-8?b?w7xuw68=?=' },
        ],
      },
    ]);
  });

  it('keeps one X-Tag header per tag, and lets message headers replace generated ones', async () => {
    const { body } = await build({ ...templated, tags: ['a', 'b'], metadata: { m: 1 }, headers: { 'x-metadata': 'mine' } });
    expect(body.DefaultContent.Template.Headers).toEqual([
      { Name: 'X-Tag', Value: 'a' },
      { Name: 'X-Tag', Value: 'b' },
      { Name: 'x-metadata', Value: 'mine' },
    ]);
  });

  it('uses TemplateArn for an ARN, DefaultEmailTags for the tag, and Template.Attachments', async () => {
    const arn = 'arn:aws:ses:us-east-1:123456789012:template/welcome';
    const message = { ...templated, templateId: arn, tags: ['promo'] };
    const { body } = await build(message, { settings: { messageTagName: 'campaign' } });
    expect(body.DefaultContent.Template.TemplateArn).toBe(arn);
    expect(body.DefaultEmailTags).toEqual([{ Name: 'campaign', Value: 'promo' }]);
    const withFiles = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], templateId: 'welcome' });
    withFiles.attach('a.txt', 'hello', 'text/plain');
    withFiles.attachInlineImage(new Uint8Array([1, 2, 3]), { filename: 'logo.png', contentId: 'logo' });
    const files = (await requestBody(withFiles)).DefaultContent.Template.Attachments;
    expect(files).toEqual([
      { RawContent: 'aGVsbG8=', FileName: 'a.txt', ContentType: 'text/plain', ContentDisposition: 'ATTACHMENT', ContentTransferEncoding: 'BASE64' },
      { RawContent: 'AQID', FileName: 'logo.png', ContentType: 'image/png', ContentDisposition: 'INLINE', ContentTransferEncoding: 'BASE64', ContentId: 'logo' },
    ]);
  });

  it('sends cc and bcc on every destination of a templated send, as Anymail does', async () => {
    const { body, request } = await build({ ...templated, to: ['Ann <ann@example.com>', 'bob@example.com'], cc: ['Cé <cc@example.com>', 'cc2@example.com'], bcc: ['bcc@example.com'] });
    const cc = ['=?utf-8?b?Q8Op?= <cc@example.com>', 'cc2@example.com'];
    expect(body.BulkEmailEntries.map((entry: { Destination: unknown }) => entry.Destination)).toEqual([
      { ToAddresses: ['Ann <ann@example.com>'], CcAddresses: cc, BccAddresses: ['bcc@example.com'] },
      { ToAddresses: ['bob@example.com'], CcAddresses: cc, BccAddresses: ['bcc@example.com'] },
    ]);
    // Statuses are per entry, keyed by its to (as Anymail): cc and bcc get a copy of each entry's message.
    expect(request.context).toEqual({ operation: 'SendBulkEmail', recipients: ['ann@example.com', 'bob@example.com'] });
  });

  it('refuses what the template supplies or SendBulkEmail cannot carry', async () => {
    expect(await unsupportedFeature(build({ templateId: 'welcome', body: '' }))).toBe('subject');
    const many = Array.from({ length: 51 }, (_, i) => `r${i}@example.com`);
    expect(await unsupportedFeature(build({ ...templated, to: many }))).toBe('to');
    expect(await unsupportedFeature(build({ ...templated, sendAt: new Date('2030-01-01T00:00:00Z') }))).toBe('sendAt');
  });
});

describe('SES payload: a From header', () => {
  it('is the From header and FromEmailAddress; from becomes the envelope sender (FeedbackForwardingEmailAddress), as Anymail', async () => {
    const { body, mime } = await build({ from: 'bounces@example.com', headers: { From: 'Shown <shown@example.com>' } });
    expect(body.FromEmailAddress).toBe('Shown <shown@example.com>');
    expect(body.FeedbackForwardingEmailAddress).toBe('bounces@example.com');
    if (mime !== '') expect(mime.match(/^From: .*$/gim)).toEqual(['From: Shown <shown@example.com>']);
    else expect(JSON.stringify(body.Content)).not.toContain('bounces@');
  });
});

describe('AWS error parsing', () => {
  const response = (status: number, headers: Record<string, string>, text: string): EspResponse => ({
    statusCode: status,
    headers,
    body: Buffer.from(text),
    url: 'https://email.us-east-1.amazonaws.com/v2/email/outbound-emails',
    text: () => text,
    json: () => JSON.parse(text),
  });

  it('reads the name from the header, __type, code or type', () => {
    expect(awsErrorName('MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/')).toBe('MessageRejected');
    expect(awsErrorName('com.amazonaws.sesv2#TooManyRequestsException')).toBe('TooManyRequestsException');
    expect(describeSesError(response(400, {}, '{"type":"NotFoundException","message":"gone"}'))).toEqual({
      message: 'NotFoundException: gone',
      category: 'invalid-request',
      code: 'SES_NOT_FOUND',
    });
  });

  it('leaves non-AWS bodies to core (undefined), and keeps a bare message', () => {
    expect(describeSesError(response(502, {}, '<html>Bad gateway</html>'))).toBeUndefined();
    expect(describeSesError(response(401, {}, '{"message":"bad key"}'))).toEqual({ message: 'bad key' });
  });

  it('reads the x-amzn-ErrorType header when the body is not JSON', () => {
    expect(describeSesError(response(503, { 'x-amzn-errortype': 'ServiceUnavailable' }, '<html>busy</html>'))).toEqual({
      message: 'ServiceUnavailable: (no message)',
      category: 'server',
      code: 'SES_SERVICE_UNAVAILABLE',
    });
  });
});
