import { describeEspConformance, describeInjectionRefusals, type FakeEspCall } from '@anymail/core/test/vitest';
import type { EmailMessage } from '@anymail/core';
import { expect } from 'vitest';
import { SesBackend } from '../src/index.js';
import { sesFakeRoutes } from '../src/test/index.js';

const json = (call: FakeEspCall): any => call.json();
/** The raw MIME message of a SendEmail request. */
const mime = (call: FakeEspCall): string => Buffer.from(json(call).Content.Raw.Data, 'base64').toString('utf8');
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
    from: (call) => {
      expect(json(call).FromEmailAddress).toBe('From Name <from@example.com>');
      expect(mime(call)).toMatch(/^From: From Name <from@example\.com>\r$/m);
    },
    to: (call) => {
      expect(json(call).Destination.ToAddresses).toEqual(['to1@example.com', 'to2@example.com']);
      expect(mime(call)).toMatch(/^To: to1@example\.com, To 2 <to2@example\.com>\r$/m);
    },
    cc: (call) => {
      expect(json(call).Destination.CcAddresses).toEqual(['cc@example.com']);
      expect(mime(call)).toMatch(/^Cc: cc@example\.com\r$/m);
    },
    bcc: (call) => {
      expect(json(call).Destination.BccAddresses).toEqual(['bcc@example.com']);
      expect(mime(call)).not.toMatch(/bcc@example\.com/);
    },
    replyTo: (call) => expect(mime(call)).toMatch(/^Reply-To: reply@example\.com\r$/m),
    subject: (call) => expect(mime(call)).toMatch(/^Subject: Conformance subject\r$/m),
    headers: (call) => expect(mime(call)).toMatch(/^X-Custom: custom value\r$/m),
    textBody: (call) => expect(mime(call)).toContain('Text body'),
    htmlBody: (call) => expect(mime(call)).toMatch(/Content-Type: text\/html[\s\S]*<p>HTML body<\/p>/),
    ampBody: (call) => expect(mime(call)).toMatch(/Content-Type: text\/x-amp-html/),
    alternatives: (call) => expect(mime(call)).toMatch(/Content-Type: text\/calendar[\s\S]*BEGIN:VCALENDAR/),
    attachments: (call) => {
      expect(mime(call)).toMatch(/Content-Disposition: attachment; filename=file\.txt/);
      expect(mime(call)).toContain(Buffer.from('attachment content').toString('base64'));
    },
    envelopeSender: (call) => expect(json(call).FeedbackForwardingEmailAddress).toBe('bounces@example.com'),
    metadata: (call) => expect(mime(call)).toMatch(/^X-Metadata: \{"userId":"12345"\}\r$/m),
    tags: (call) => expect(mime(call)).toMatch(/^X-Tag: tag-one\r$/m),
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
