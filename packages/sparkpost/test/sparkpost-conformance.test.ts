import { describeEspConformance, describeInjectionRefusals, type FakeEspCall } from '@anymail/core/test/vitest';
import type { EmailMessage } from '@anymail/core';
import { expect } from 'vitest';
import { SparkPostBackend } from '../src/index.js';
import type { SparkPostTransmission } from '../src/sparkpost-payload.js';
import { sparkPostFakeRoutes } from '../src/test/index.js';
import { expectValidTransmission } from './support/sparkpost-schema.js';

/** The transmission of a call, checked against the blueprint's schema on the way. */
const sent = (call: FakeEspCall): SparkPostTransmission & { recipients: { address: { email: string; name?: string; header_to?: string }; substitution_data?: unknown; metadata?: unknown }[] } => {
  const body = call.json();
  expectValidTransmission(body);
  return body as never;
};
/** A stored template supplies the subject and body, so templated samples drop them. */
const templated = (message: EmailMessage) => {
  message.subject = '';
  message.body = '';
  message.templateId = 'template-1';
};

describeEspConformance({
  espName: 'SparkPost',
  createBackend: (apiUrl, options) => new SparkPostBackend({ ...options, apiUrl, apiKey: 'conformance-key' }),
  secrets: ['conformance-key'],
  successRoute: sparkPostFakeRoutes()['POST /transmissions']!,
  successStatus: 'queued',
  espExtraSample: { options: { transactional: true } },
  prepareFeature: { templateId: templated },
  features: {
    from: (call) => expect(sent(call).content.from).toEqual({ email: 'from@example.com', name: 'From Name' }),
    to: (call) => {
      const all = 'to1@example.com, To 2 <to2@example.com>';
      expect(sent(call).recipients.map((recipient) => recipient.address)).toEqual([
        { email: 'to1@example.com', header_to: all },
        { email: 'to2@example.com', header_to: all },
      ]);
    },
    cc: (call) => {
      expect(sent(call).recipients.map((recipient) => recipient.address.email)).toEqual(['to1@example.com', 'cc@example.com']);
      expect(sent(call).content.headers).toEqual({ Cc: 'cc@example.com' });
    },
    bcc: (call) => {
      expect(sent(call).recipients.map((recipient) => recipient.address)).toEqual([
        { email: 'to1@example.com' },
        { email: 'bcc@example.com', header_to: 'to1@example.com' },
      ]);
      expect(sent(call).content.headers).toBeUndefined();
    },
    replyTo: (call) => expect(sent(call).content.reply_to).toBe('reply@example.com'),
    subject: (call) => expect(sent(call).content.subject).toBe('Conformance subject'),
    headers: (call) => expect(sent(call).content.headers).toEqual({ 'X-Custom': 'custom value' }),
    textBody: (call) => expect(sent(call).content.text).toBe('Text body'),
    htmlBody: (call) => expect(sent(call).content.html).toBe('<p>HTML body</p>'),
    ampBody: (call) => expect(sent(call).content.amp_html).toBe('<!doctype html><html ⚡4email><body>AMP</body></html>'),
    alternatives: 'unsupported',
    attachments: (call) =>
      expect(sent(call).content.attachments).toEqual([
        { name: 'file.txt', type: 'text/plain', data: Buffer.from('attachment content').toString('base64') },
      ]),
    envelopeSender: (call) => expect(sent(call).return_path).toBe('bounces@example.com'),
    metadata: (call) => expect(sent(call).metadata).toEqual({ userId: '12345' }),
    tags: (call) => expect(sent(call).campaign_id).toBe('tag-one'),
    trackClicks: (call) => expect(sent(call).options).toEqual({ click_tracking: true }),
    trackOpens: (call) => expect(sent(call).options).toEqual({ open_tracking: true }),
    sendAt: (call) => expect(sent(call).options).toEqual({ start_time: '2030-01-02T03:04:05+00:00' }),
    templateId: (call) => {
      expect(sent(call).content).toEqual({ template_id: 'template-1' });
      expect(sent(call).override).toEqual({ from: { email: 'from@example.com' } });
    },
    mergeData: (call) => expect(sent(call).recipients).toEqual([{ address: { email: 'to1@example.com' }, substitution_data: { name: 'One' } }]),
    mergeGlobalData: (call) => expect(sent(call).substitution_data).toEqual({ site: 'Example' }),
    mergeMetadata: (call) => expect(sent(call).recipients).toEqual([{ address: { email: 'to1@example.com' }, metadata: { order: '1' } }]),
    mergeHeaders: (call) => {
      expect(sent(call).content.headers).toEqual({ 'X-Order': '{{anymail_header_0}}' });
      expect(sent(call).recipients).toEqual([{ address: { email: 'to1@example.com' }, substitution_data: { anymail_header_0: '1' } }]);
    },
    espExtra: (call) => expect(sent(call).options).toEqual({ transactional: true }),
  },
});

// Issue #13: hostile values in message fields and in espExtra never reach SparkPost.
describeInjectionRefusals({
  espName: 'SparkPost',
  createBackend: (apiUrl, options) => new SparkPostBackend({ ...options, apiUrl, apiKey: 'conformance-key' }),
  successRoute: sparkPostFakeRoutes()['POST /transmissions']!,
  espExtraInjections: {
    'CRLF in a content.headers value': { content: { headers: { 'X-Note': 'a\r\nBcc: evil@attacker.test' } } },
    'CRLF in a content.headers name': { content: { headers: { 'X-Note\r\nBcc': 'evil@attacker.test' } } },
    'CRLF in override.reply_to': { override: { reply_to: 'r@example.com\r\nBcc: evil@attacker.test' } },
    'an encoded CRLF in override.reply_to': { override: { reply_to: '=?utf-8?q?a=0D=0ABcc:_x@attacker.test?= <r@example.com>' } },
    'CRLF in override.from': { override: { from: 'f@example.com\r\nBcc: evil@attacker.test' } },
    'LF in override.from.name': { override: { from: { email: 'f@example.com', name: 'F\nBcc: evil@attacker.test' } } },
    'ESC in override.list_id': { override: { list_id: '<list\u001b@example.com>' } },
    'CRLF in return_path': { return_path: 'b@example.com\r\nBcc: evil@attacker.test' },
  },
});
