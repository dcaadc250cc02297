import { describeEspConformance, describeInjectionRefusals, type FakeEspCall } from '@anymail/core/test/vitest';
import type { EmailMessage } from '@anymail/core';
import { expect } from 'vitest';
import { SesBackend } from '../src/index.js';
import { sesFakeRoutes } from '../src/test/index.js';

const json = (call: FakeEspCall): any => call.json();
/** The raw MIME message of a SendEmail request. */
const mime = (call: FakeEspCall): string => Buffer.from(json(call).Content.Raw.Data, 'base64').toString('utf8');
/** The Content.Simple of a SendEmail request. */
const simple = (call: FakeEspCall): any => json(call).Content.Simple;
const template = (call: FakeEspCall): any => json(call).DefaultContent.Template;
/** SES templates supply the subject and body, so templated samples drop them. */
const templated = (message: EmailMessage) => {
  message.subject = '';
  message.body = '';
  message.templateId = 'template-1';
};

describeEspConformance({
  espName: 'Amazon SES',
  createBackend: (apiUrl, options) =>
    new SesBackend({
      ...options,
      endpoint: apiUrl,
      region: 'us-east-1',
      accessKeyId: 'AKIDCONFORMANCE',
      secretAccessKey: 'conformance-secret',
      sessionToken: 'conformance-session-token',
    }),
  secrets: ['conformance-secret', 'conformance-session-token'],
  successRoute: sesFakeRoutes()['POST /v2/email/outbound-emails']!,
  espExtraSample: { ConfigurationSetName: 'from-extra', ListManagementOptions: { ContactListName: 'list' } },
  prepareFeature: { templateId: templated, mergeData: templated, mergeGlobalData: templated, mergeMetadata: templated, mergeHeaders: templated },
  features: {
    // Messages Content.Simple can express go that way (SES writes the MIME); the rest as raw MIME.
    from: (call) => {
      expect(json(call).FromEmailAddress).toBe('From Name <from@example.com>');
      expect(simple(call)).toBeDefined();
    },
    to: (call) => expect(json(call).Destination.ToAddresses).toEqual(['to1@example.com', 'To 2 <to2@example.com>']),
    cc: (call) => expect(json(call).Destination.CcAddresses).toEqual(['cc@example.com']),
    bcc: (call) => {
      expect(json(call).Destination.BccAddresses).toEqual(['bcc@example.com']);
      expect(JSON.stringify(simple(call))).not.toMatch(/bcc@example\.com/);
    },
    replyTo: (call) => expect(json(call).ReplyToAddresses).toEqual(['reply@example.com']),
    subject: (call) => expect(simple(call).Subject.Data).toBe('Conformance subject'),
    headers: (call) => expect(simple(call).Headers).toContainEqual({ Name: 'X-Custom', Value: 'custom value' }),
    textBody: (call) => expect(simple(call).Body.Text).toEqual({ Data: expect.stringContaining('Text body'), Charset: 'UTF-8' }),
    htmlBody: (call) => expect(simple(call).Body.Html).toEqual({ Data: expect.stringContaining('<p>HTML body</p>'), Charset: 'UTF-8' }),
    ampBody: (call) => expect(mime(call)).toMatch(/Content-Type: text\/x-amp-html/),
    alternatives: (call) => expect(mime(call)).toMatch(/Content-Type: text\/calendar[\s\S]*BEGIN:VCALENDAR/),
    attachments: (call) =>
      expect(simple(call).Attachments).toContainEqual(
        expect.objectContaining({ FileName: 'file.txt', RawContent: Buffer.from('attachment content').toString('base64'), ContentDisposition: 'ATTACHMENT' }),
      ),
    envelopeSender: (call) => expect(json(call).FeedbackForwardingEmailAddress).toBe('bounces@example.com'),
    metadata: (call) => expect(simple(call).Headers).toContainEqual({ Name: 'X-Metadata', Value: '{"userId":"12345"}' }),
    tags: (call) => expect(simple(call).Headers).toContainEqual({ Name: 'X-Tag', Value: 'tag-one' }),
    trackClicks: 'unsupported',
    trackOpens: 'unsupported',
    sendAt: 'unsupported',
    templateId: (call) => {
      expect(call.path).toBe('/v2/email/outbound-bulk-emails');
      expect(template(call)).toEqual({ TemplateName: 'template-1', TemplateData: '{}' });
      expect(json(call).BulkEmailEntries).toHaveLength(1);
    },
    mergeData: (call) => {
      expect(json(call).BulkEmailEntries[0]).toMatchObject({
        Destination: { ToAddresses: ['to1@example.com'] },
        ReplacementEmailContent: { ReplacementTemplate: { ReplacementTemplateData: '{"name":"One"}' } },
      });
    },
    mergeGlobalData: (call) => expect(template(call).TemplateData).toBe('{"site":"Example"}'),
    mergeMetadata: (call) =>
      expect(json(call).BulkEmailEntries[0].ReplacementHeaders).toEqual([{ Name: 'X-Metadata', Value: '{"order":"1"}' }]),
    mergeHeaders: (call) => expect(json(call).BulkEmailEntries[0].ReplacementHeaders).toEqual([{ Name: 'X-Order', Value: '1' }]),
    espExtra: (call) => expect(json(call)).toMatchObject({ ConfigurationSetName: 'from-extra', ListManagementOptions: { ContactListName: 'list' } }),
  },
});

// Issue #13: hostile values in message fields and in espExtra never reach SES.
describeInjectionRefusals({
  espName: 'Amazon SES',
  createBackend: (apiUrl, options) =>
    new SesBackend({ ...options, endpoint: apiUrl, region: 'us-east-1', accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 'conformance-secret' }),
  successRoute: sesFakeRoutes()['POST /v2/email/outbound-emails']!,
  espExtraInjections: {
    'CRLF in ReplyToAddresses': { ReplyToAddresses: ['r@example.com\r\nBcc: evil@attacker.test'] },
    'an encoded CRLF in ReplyToAddresses': { ReplyToAddresses: ['=?utf-8?q?a=0D=0ABcc:_x@attacker.test?= <r@example.com>'] },
    'CRLF in FromEmailAddress': { FromEmailAddress: 'from@example.com\r\nBcc: evil@attacker.test' },
    'NUL in FeedbackForwardingEmailAddress': { FeedbackForwardingEmailAddress: 'b\u0000@example.com' },
    'CRLF in a Destination address': { Destination: { ToAddresses: ['to@example.com\r\nBcc: evil@attacker.test'] } },
    'CRLF in a Simple content header': {
      Content: { Simple: { Subject: { Data: 'S' }, Body: { Text: { Data: 'B' } }, Headers: [{ Name: 'X-A', Value: 'a\r\nb' }] } },
    },
  },
});
