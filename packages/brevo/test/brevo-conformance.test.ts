import { describeEspConformance, describeInjectionRefusals, type FakeEspCall } from '@anymail/core/test/vitest';
import type { EmailMessage } from '@anymail/core';
import { expect } from 'vitest';
import { BrevoBackend } from '../src/index.js';
import { brevoFakeRoutes } from '../src/test/index.js';

const json = (call: FakeEspCall): any => call.json();
/** The first message version of a request (a batch's first `messageVersions` entry, or the whole body). */
const first = (call: FakeEspCall): any => json(call).messageVersions?.[0] ?? json(call);
/** Brevo template ids are numbers; a template supplies the body, so templated samples drop it. */
const templated = (message: EmailMessage) => {
  message.body = '';
  message.templateId = '7';
};
const route = brevoFakeRoutes({ basePath: '/' })['POST /smtp/email']!;
describeEspConformance({
  espName: 'Brevo',
  createBackend: (apiUrl, options) => new BrevoBackend({ ...options, apiUrl, apiKey: 'xkeysib-conformance' }),
  secrets: ['xkeysib-conformance'],
  successRoute: route,
  successStatus: 'queued',
  espExtraSample: { batchId: '5c6cfa04-eed9-42c2-8b5c-6d470d978e9d' },
  templateIdSample: '7',
  prepareFeature: { templateId: templated, mergeData: templated, mergeGlobalData: templated },
  features: {
    from: (call) => expect(json(call).sender).toEqual({ name: 'From Name', email: 'from@example.com' }),
    to: (call) => expect(json(call).to).toEqual([{ email: 'to1@example.com' }, { email: 'to2@example.com', name: 'To 2' }]),
    cc: (call) => expect(json(call).cc).toEqual([{ email: 'cc@example.com' }]),
    bcc: (call) => expect(json(call).bcc).toEqual([{ email: 'bcc@example.com' }]),
    replyTo: (call) => expect(json(call).replyTo).toEqual({ email: 'reply@example.com' }),
    subject: (call) => expect(json(call).subject).toBe('Conformance subject'),
    headers: (call) => expect(json(call).headers).toEqual({ 'X-Custom': 'custom value' }),
    textBody: (call) => expect(json(call).textContent).toBe('Text body'),
    htmlBody: (call) => expect(json(call).htmlContent).toBe('<p>HTML body</p>'),
    ampBody: 'unsupported',
    alternatives: 'unsupported',
    attachments: (call) =>
      expect(json(call).attachment).toEqual([{ name: 'file.txt', content: Buffer.from('attachment content').toString('base64') }]),
    envelopeSender: 'unsupported',
    metadata: (call) => expect(json(call).headers).toEqual({ 'X-Mailin-custom': '{"userId":"12345"}' }),
    tags: (call) => expect(json(call).tags).toEqual(['tag-one']),
    trackClicks: 'unsupported',
    trackOpens: 'unsupported',
    sendAt: (call) => expect(json(call).scheduledAt).toBe('2030-01-02T03:04:05.000Z'),
    templateId: (call) => {
      expect(json(call).templateId).toBe(7);
      expect(json(call).htmlContent ?? json(call).textContent).toBeUndefined();
    },
    mergeData: (call) => {
      expect(json(call).templateId).toBe(7);
      expect(first(call)).toEqual({ to: [{ email: 'to1@example.com' }], subject: 'Subject', params: { name: 'One' } });
    },
    mergeGlobalData: (call) => expect(json(call)).toMatchObject({ templateId: 7, params: { site: 'Example' } }),
    mergeMetadata: (call) => {
      expect(json(call).messageVersions).toHaveLength(1);
      expect(first(call).headers).toEqual({ 'X-Mailin-custom': '{"order":"1"}' });
    },
    mergeHeaders: (call) => {
      expect(json(call).messageVersions).toHaveLength(1);
      expect(first(call).headers).toEqual({ 'X-Order': '1' });
    },
    espExtra: (call) => expect(json(call).batchId).toBe('5c6cfa04-eed9-42c2-8b5c-6d470d978e9d'),
  },
});

// Issue #13: hostile values in message fields and in espExtra never reach Brevo.
describeInjectionRefusals({
  espName: 'Brevo',
  createBackend: (apiUrl, options) => new BrevoBackend({ ...options, apiUrl, apiKey: 'xkeysib-conformance' }),
  successRoute: route,
  espExtraInjections: {
    'CRLF in a headers value': { headers: { 'X-Note': 'a\r\nBcc: evil@attacker.test' } },
    'CRLF in a headers name': { headers: { 'X-Note\r\nBcc': 'evil@attacker.test' } },
    'an encoded CRLF in a headers value': { headers: { 'X-Note': '=?utf-8?q?a=0D=0ABcc:_x@attacker.test?=' } },
    'ESC in a tag': { tags: ['a\u001bb'] },
    'CRLF in an attachment name': { attachment: [{ url: 'https://example.com/a.pdf', name: 'a.pdf\r\nBcc: x@attacker.test' }] },
  },
});
