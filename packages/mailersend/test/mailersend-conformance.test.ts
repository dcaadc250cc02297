import { describeEspConformance, describeInjectionRefusals, type FakeEspCall } from '@anymail/core/test/vitest';
import { expect } from 'vitest';
import { MailerSendBackend } from '../src/index.js';
import { mailerSendFakeRoutes } from '../src/test/index.js';

const json = (call: FakeEspCall): any => call.json();
/** The first MailerSend message of a request, whatever the endpoint. */
const first = (call: FakeEspCall): any => {
  const body = json(call);
  return Array.isArray(body) ? body[0] : body;
};
// The suite's sendAt sample is in 2030: the fake checks MailerSend's 72-hour horizon from then.
const fake = () => mailerSendFakeRoutes({ apiToken: 'conformance-token', now: () => Date.parse('2030-01-01T00:00:00Z') })['*']!;

describeEspConformance({
  espName: 'MailerSend',
  createBackend: (apiUrl, options) => new MailerSendBackend({ ...options, apiUrl, apiToken: 'conformance-token' }),
  secrets: ['conformance-token'],
  successRoute: fake(),
  successStatus: 'queued',
  espExtraSample: { settings: { track_content: false } },
  features: {
    from: (call) => expect(first(call).from).toEqual({ email: 'from@example.com', name: 'From Name' }),
    to: (call) => expect(first(call).to).toEqual([{ email: 'to1@example.com' }, { email: 'to2@example.com', name: 'To 2' }]),
    cc: (call) => expect(first(call).cc).toEqual([{ email: 'cc@example.com' }]),
    bcc: (call) => expect(first(call).bcc).toEqual([{ email: 'bcc@example.com' }]),
    replyTo: (call) => expect(first(call).reply_to).toEqual({ email: 'reply@example.com' }),
    subject: (call) => expect(first(call).subject).toBe('Conformance subject'),
    headers: (call) => expect(first(call).headers).toEqual([{ name: 'X-Custom', value: 'custom value' }]),
    textBody: (call) => expect(first(call).text).toBe('Text body'),
    htmlBody: (call) => expect(first(call).html).toBe('<p>HTML body</p>'),
    ampBody: 'unsupported',
    alternatives: 'unsupported',
    attachments: (call) =>
      expect(first(call).attachments).toEqual([
        { filename: 'file.txt', content: Buffer.from('attachment content').toString('base64'), disposition: 'attachment' },
      ]),
    envelopeSender: 'unsupported',
    metadata: 'unsupported',
    tags: (call) => expect(first(call).tags).toEqual(['tag-one']),
    trackClicks: (call) => expect(first(call).settings).toEqual({ track_clicks: true }),
    trackOpens: (call) => expect(first(call).settings).toEqual({ track_opens: true }),
    sendAt: (call) => expect(first(call).send_at).toBe(Date.parse('2030-01-02T03:04:05Z') / 1000),
    templateId: (call) => expect(first(call).template_id).toBe('template-1'),
    mergeData: (call) => {
      expect(call.path).toBe('/email');
      expect(first(call).personalization).toEqual([{ email: 'to1@example.com', data: { name: 'One' } }]);
    },
    mergeGlobalData: (call) => expect(first(call).personalization).toEqual([{ email: 'to1@example.com', data: { site: 'Example' } }]),
    mergeMetadata: 'unsupported',
    mergeHeaders: 'unsupported',
    espExtra: (call) => expect(first(call).settings).toEqual({ track_content: false }),
  },
});

// Issue #13: hostile values in message fields and in espExtra never reach MailerSend.
describeInjectionRefusals({
  espName: 'MailerSend',
  createBackend: (apiUrl, options) => new MailerSendBackend({ ...options, apiUrl, apiToken: 'conformance-token' }),
  successRoute: fake(),
  espExtraInjections: {
    'CRLF in a headers value': { headers: [{ name: 'X-Note', value: 'a\r\nBcc: evil@attacker.test' }] },
    'CRLF in a headers name': { headers: [{ name: 'X-Note\r\nBcc', value: 'evil@attacker.test' }] },
    'CRLF in reply_to.email': { reply_to: { email: 'r@example.com\r\nBcc: evil@attacker.test' } },
    'an encoded CRLF in a reply_to name': { reply_to: { email: 'r@example.com', name: '=?utf-8?q?a=0D=0ABcc:_x@attacker.test?=' } },
    'CRLF in subject': { subject: 'Hi\r\nBcc: evil@attacker.test' },
    'CRLF in in_reply_to': { in_reply_to: 'abc@example.com>\r\nBcc: evil@attacker.test' },
    'ESC in a tag': { tags: ['a\u001bb'] },
    'CRLF in a to name': { to: [{ email: 'a@example.com', name: 'A\r\nBcc: evil@attacker.test' }] },
  },
});
