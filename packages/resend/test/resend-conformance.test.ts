import { describeEspConformance, describeInjectionRefusals, type FakeEspCall } from '@anymail/core/test/vitest';
import type { EmailMessage } from '@anymail/core';
import { expect } from 'vitest';
import { ResendBackend } from '../src/index.js';
import { resendFakeRoutes } from '../src/test/index.js';
import { expectValidSendEmail } from './support/resend-schema.js';

interface Sent {
  [field: string]: unknown;
}
/** The first Resend email of a request (a batch is an array), checked against Resend's request schema. */
const first = (call: FakeEspCall): Sent => {
  const body = call.json() as Sent | Sent[];
  if (Array.isArray(body)) {
    expectValidSendEmail(body, '/emails/batch');
    return body[0]!;
  }
  expectValidSendEmail(body);
  return body;
};
/** A Resend template supplies the bodies (the API refuses html/text with a template). */
const templated = (message: EmailMessage) => {
  message.body = '';
  message.templateId = 'template-1';
};

describeEspConformance({
  espName: 'Resend',
  createBackend: (apiUrl, options) => new ResendBackend({ ...options, apiUrl, apiKey: 're_conformance_key' }),
  secrets: ['re_conformance_key'],
  successRoute: resendFakeRoutes()['POST /emails']!,
  successStatus: 'queued',
  espExtraSample: { topic_id: 'topic-1' },
  prepareFeature: { templateId: templated, mergeData: templated, mergeGlobalData: templated },
  features: {
    from: (call) => expect(first(call).from).toBe('From Name <from@example.com>'),
    to: (call) => expect(first(call).to).toEqual(['to1@example.com', 'To 2 <to2@example.com>']),
    cc: (call) => expect(first(call).cc).toEqual(['cc@example.com']),
    bcc: (call) => expect(first(call).bcc).toEqual(['bcc@example.com']),
    replyTo: (call) => expect(first(call).reply_to).toEqual(['reply@example.com']),
    subject: (call) => expect(first(call).subject).toBe('Conformance subject'),
    headers: (call) => expect(first(call).headers).toEqual({ 'X-Custom': 'custom value' }),
    textBody: (call) => expect(first(call).text).toBe('Text body'),
    htmlBody: (call) => expect(first(call).html).toBe('<p>HTML body</p>'),
    ampBody: 'unsupported',
    alternatives: 'unsupported',
    attachments: (call) =>
      expect(first(call).attachments).toEqual([
        { filename: 'file.txt', content: Buffer.from('attachment content').toString('base64'), content_type: 'text/plain' },
      ]),
    envelopeSender: 'unsupported',
    metadata: (call) => expect(first(call).headers).toEqual({ 'X-Metadata': '{"userId":"12345"}' }),
    tags: (call) => expect(first(call).headers).toEqual({ 'X-Tags': '["tag-one"]' }),
    trackClicks: 'unsupported',
    trackOpens: 'unsupported',
    sendAt: (call) => expect(first(call).scheduled_at).toBe('2030-01-02T03:04:05.000Z'),
    templateId: (call) => {
      expect(call.path).toBe('/emails');
      expect(first(call).template).toEqual({ id: 'template-1' });
      expect(first(call).text).toBeUndefined();
    },
    mergeData: (call) => {
      expect(call.path).toBe('/emails/batch');
      expect(first(call)).toMatchObject({ to: ['to1@example.com'], template: { id: 'template-1', variables: { name: 'One' } } });
    },
    mergeGlobalData: (call) => expect(first(call).template).toEqual({ id: 'template-1', variables: { site: 'Example' } }),
    mergeMetadata: (call) => {
      expect(call.path).toBe('/emails/batch');
      expect(first(call).headers).toEqual({ 'X-Metadata': '{"order":"1"}' });
    },
    mergeHeaders: (call) => {
      expect(call.path).toBe('/emails/batch');
      expect(first(call).headers).toEqual({ 'X-Order': '1' });
    },
    espExtra: (call) => expect(first(call).topic_id).toBe('topic-1'),
  },
});

// Issue #13: hostile values in message fields and in espExtra never reach Resend.
describeInjectionRefusals({
  espName: 'Resend',
  createBackend: (apiUrl, options) => new ResendBackend({ ...options, apiUrl, apiKey: 're_conformance_key' }),
  successRoute: resendFakeRoutes()['POST /emails']!,
  espExtraInjections: {
    'CRLF in a headers value': { headers: { 'X-Note': 'a\r\nBcc: evil@attacker.test' } },
    'CRLF in a headers name': { headers: { 'X-Note\r\nBcc': 'evil@attacker.test' } },
    'CRLF in reply_to': { reply_to: 'r@example.com\r\nBcc: evil@attacker.test' },
    'an encoded CRLF in reply_to': { reply_to: ['=?utf-8?q?a=0D=0ABcc:_x@attacker.test?= <r@example.com>'] },
    'CRLF in idempotencyKey': { idempotencyKey: 'k\r\nX-Evil: 1' },
  },
});
