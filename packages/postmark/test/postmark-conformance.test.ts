import { describeEspConformance, describeInjectionRefusals, type FakeEspCall } from '@anymail/core/test/vitest';
import type { EmailMessage } from '@anymail/core';
import { expect } from 'vitest';
import { PostmarkBackend } from '../src/index.js';
import { postmarkFakeRoutes } from '../src/test/index.js';

const json = (call: FakeEspCall): any => call.json();
/** The first Postmark message of a request, whatever the endpoint. */
const first = (call: FakeEspCall): any => {
  const body = json(call);
  return Array.isArray(body) ? body[0] : body.Messages ? body.Messages[0] : body;
};
/** Postmark templates supply the subject and body, so templated samples drop them. */
const templated = (message: EmailMessage) => {
  message.subject = '';
  message.body = '';
  message.templateId = 'template-1';
};

describeEspConformance({
  espName: 'Postmark',
  createBackend: (apiUrl, options) => new PostmarkBackend({ ...options, apiUrl, serverToken: 'conformance-token' }),
  secrets: ['conformance-token'],
  successRoute: postmarkFakeRoutes()['POST /email']!,
  successStatus: 'sent',
  espExtraSample: { MessageStream: 'broadcast' },
  prepareFeature: { templateId: templated, mergeData: templated, mergeGlobalData: templated },
  features: {
    from: (call) => expect(first(call).From).toBe('From Name <from@example.com>'),
    to: (call) => expect(first(call).To).toBe('to1@example.com, To 2 <to2@example.com>'),
    cc: (call) => expect(first(call).Cc).toBe('cc@example.com'),
    bcc: (call) => expect(first(call).Bcc).toBe('bcc@example.com'),
    replyTo: (call) => expect(first(call).ReplyTo).toBe('reply@example.com'),
    subject: (call) => expect(first(call).Subject).toBe('Conformance subject'),
    headers: (call) => expect(first(call).Headers).toEqual([{ Name: 'X-Custom', Value: 'custom value' }]),
    textBody: (call) => expect(first(call).TextBody).toBe('Text body'),
    htmlBody: (call) => expect(first(call).HtmlBody).toBe('<p>HTML body</p>'),
    ampBody: 'unsupported',
    alternatives: 'unsupported',
    attachments: (call) =>
      expect(first(call).Attachments).toEqual([
        { Name: 'file.txt', Content: Buffer.from('attachment content').toString('base64'), ContentType: 'text/plain' },
      ]),
    envelopeSender: 'unsupported',
    metadata: (call) => expect(first(call).Metadata).toEqual({ userId: '12345' }),
    tags: (call) => expect(first(call).Tag).toBe('tag-one'),
    trackClicks: (call) => expect(first(call).TrackLinks).toBe('HtmlAndText'),
    trackOpens: (call) => expect(first(call).TrackOpens).toBe(true),
    sendAt: 'unsupported',
    templateId: (call) => {
      expect(call.path).toBe('/email/withTemplate');
      expect(first(call)).toMatchObject({ TemplateAlias: 'template-1', TemplateModel: {} });
      expect(first(call).Subject).toBeUndefined();
    },
    mergeData: (call) => {
      expect(call.path).toBe('/email/batchWithTemplates');
      expect(first(call)).toMatchObject({ To: 'to1@example.com', TemplateModel: { name: 'One' } });
    },
    mergeGlobalData: (call) => expect(first(call).TemplateModel).toEqual({ site: 'Example' }),
    mergeMetadata: (call) => {
      expect(call.path).toBe('/email/batch');
      expect(first(call).Metadata).toEqual({ order: '1' });
    },
    mergeHeaders: (call) => {
      expect(call.path).toBe('/email/batch');
      expect(first(call).Headers).toEqual([{ Name: 'X-Order', Value: '1' }]);
    },
    espExtra: (call) => expect(first(call).MessageStream).toBe('broadcast'),
  },
});

// Issue #13: hostile values in message fields and in espExtra never reach Postmark.
describeInjectionRefusals({
  espName: 'Postmark',
  createBackend: (apiUrl, options) => new PostmarkBackend({ ...options, apiUrl, serverToken: 'conformance-token' }),
  successRoute: postmarkFakeRoutes()['POST /email']!,
  espExtraInjections: {
    'CRLF in a Headers value': { Headers: [{ Name: 'X-Note', Value: 'a\r\nBcc: evil@attacker.test' }] },
    'CRLF in a Headers name': { Headers: [{ Name: 'X-Note\r\nBcc', Value: 'evil@attacker.test' }] },
    'CRLF in ReplyTo': { ReplyTo: 'r@example.com\r\nBcc: evil@attacker.test' },
    'an encoded CRLF in ReplyTo': { ReplyTo: '=?utf-8?q?a=0D=0ABcc:_x@attacker.test?= <r@example.com>' },
    'ESC in Tag': { Tag: 'a\u001bb' },
    'CRLF in a Metadata value': { Metadata: { k: 'a\r\nb' } },
  },
});
