import { describeEspConformance, describeInjectionRefusals } from '@anymail/core/test/vitest';
import { expect } from 'vitest';
import { MailgunBackend } from '../src/index.js';

const form = (call: { form(): URLSearchParams }) => call.form();

// The core conformance suite against MailgunBackend (apiUrl = the fake ESP's root).
describeEspConformance({
  espName: 'Mailgun',
  createBackend: (apiUrl, options) => new MailgunBackend({ ...options, apiKey: 'conformance-key', apiUrl }),
  secrets: ['conformance-key'],
  successRoute: { status: 200, body: { id: '<20300102030405.1.abc@example.com>', message: 'Queued. Thank you.' } },
  routeKey: 'POST /example.com/messages',
  espExtraSample: { 'o:testmode': 'yes', senderDomain: 'example.com' },
  prepareFeature: {
    // Mailgun substitutes global merge data only in templates or batch sends.
    mergeGlobalData: (message) => (message.templateId = 'template-1'),
  },
  features: {
    from: (call) => expect(form(call).getAll('from')).toEqual(['From Name <from@example.com>']),
    to: (call) => expect(form(call).getAll('to')).toEqual(['to1@example.com', 'To 2 <to2@example.com>']),
    cc: (call) => expect(form(call).getAll('cc')).toEqual(['cc@example.com']),
    bcc: (call) => expect(form(call).getAll('bcc')).toEqual(['bcc@example.com']),
    replyTo: (call) => expect(form(call).get('h:Reply-To')).toBe('reply@example.com'),
    subject: (call) => expect(form(call).get('subject')).toBe('Conformance subject'),
    headers: (call) => expect(form(call).get('h:X-Custom')).toBe('custom value'),
    textBody: (call) => expect(form(call).get('text')).toBe('Text body'),
    htmlBody: (call) => expect(form(call).get('html')).toBe('<p>HTML body</p>'),
    ampBody: (call) => expect(form(call).get('amp-html')).toBe('<!doctype html><html ⚡4email><body>AMP</body></html>'),
    alternatives: 'unsupported',
    attachments: (call) => {
      expect(call.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(call.text()).toContain('name="attachment"; filename="file.txt"');
      expect(call.text()).toContain('attachment content');
    },
    // The envelope sender's domain picks the sending domain (the route only answers example.com).
    envelopeSender: (call) => expect(call.path).toBe('/example.com/messages'),
    metadata: (call) => expect(form(call).get('v:userId')).toBe('12345'),
    tags: (call) => expect(form(call).getAll('o:tag')).toEqual(['tag-one']),
    trackClicks: (call) => expect(form(call).get('o:tracking-clicks')).toBe('yes'),
    trackOpens: (call) => expect(form(call).get('o:tracking-opens')).toBe('yes'),
    sendAt: (call) => expect(form(call).get('o:deliverytime')).toBe('Wed, 02 Jan 2030 03:04:05 +0000'),
    templateId: (call) => expect(form(call).get('template')).toBe('template-1'),
    mergeData: (call) => expect(JSON.parse(form(call).get('recipient-variables')!)).toEqual({ 'to1@example.com': { name: 'One' } }),
    mergeGlobalData: (call) => expect(form(call).get('v:site')).toBe('Example'),
    mergeMetadata: (call) => {
      expect(form(call).get('v:order')).toBe('%recipient.anymail_metadata_order%');
      expect(JSON.parse(form(call).get('recipient-variables')!)).toEqual({ 'to1@example.com': { anymail_metadata_order: '1' } });
    },
    mergeHeaders: (call) => {
      expect(form(call).get('h:X-Order')).toBe('%recipient.anymail_header_x-order%');
      expect(JSON.parse(form(call).get('recipient-variables')!)).toEqual({ 'to1@example.com': { 'anymail_header_x-order': '1' } });
    },
    espExtra: (call) => expect(form(call).get('o:testmode')).toBe('yes'),
  },
});

// Issue #13: hostile values in message fields and in espExtra never reach Mailgun.
describeInjectionRefusals({
  espName: 'Mailgun',
  createBackend: (apiUrl, options) => new MailgunBackend({ ...options, apiKey: 'conformance-key', apiUrl }),
  successRoute: { status: 200, body: { id: '<20300102030405.1.abc@example.com>', message: 'Queued. Thank you.' } },
  routeKey: 'POST /example.com/messages',
  espExtraInjections: {
    'CRLF in an h: header': { 'h:X-Note': 'a\r\nBcc: evil@attacker.test' },
    'NUL in an h: header': { 'h:X-Note': 'a\u0000b' },
    'an encoded CRLF in h:Reply-To': { 'h:Reply-To': '=?utf-8?q?a=0D=0ABcc:_x@attacker.test?= <r@example.com>' },
    'CRLF in o:tag': { 'o:tag': ['ok', 'a\r\nb'] },
  },
});
