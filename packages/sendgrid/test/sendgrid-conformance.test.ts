import type { EmailMessage } from '@anymail/core';
import { describeEspConformance, describeInjectionRefusals, type FakeEspCall } from '@anymail/core/test/vitest';
import { expect } from 'vitest';
import { SendGridBackend } from '../src/index.js';
import { sendGridFakeRoutes } from '../src/test/index.js';
import { mailSendProblems } from './support/sendgrid-schema.js';

// The core conformance suite against SendGrid. The success route is the schema-checking fake:
// a body that does not validate against SendGrid's OpenAPI request schema gets a 400, so every
// feature case below also proves its body is valid.
const ROUTE = 'POST /v3/mail/send';
const fakeRoute = sendGridFakeRoutes({ validate: (body) => mailSendProblems(body) })[ROUTE]!;

type Body = Record<string, any>;
const json = (call: FakeEspCall) => call.json() as Body;
const first = (call: FakeEspCall) => json(call).personalizations[0];

describeEspConformance({
  espName: 'SendGrid',
  // apiUrl is the fake's root; SendGrid's base URL ends in /v3/.
  createBackend: (apiUrl, options) => new SendGridBackend({ ...options, apiKey: 'SG.conformance', apiUrl: `${apiUrl}v3/` }),
  secrets: ['SG.conformance'],
  successRoute: fakeRoute,
  routeKey: ROUTE,
  espExtraSample: { ip_pool_name: 'transactional', asm: { group_id: 42 } },
  prepareFeature: {
    // Legacy-template merge fields are used as given unless mergeFieldFormat is set.
    mergeData: (m: EmailMessage) => (m.templateId = 'd-template'),
  },
  features: {
    from: (call) => expect(json(call).from).toEqual({ email: 'from@example.com', name: 'From Name' }),
    to: (call) => expect(first(call).to).toEqual([{ email: 'to1@example.com' }, { email: 'to2@example.com', name: 'To 2' }]),
    cc: (call) => expect(first(call).cc).toEqual([{ email: 'cc@example.com' }]),
    bcc: (call) => expect(first(call).bcc).toEqual([{ email: 'bcc@example.com' }]),
    replyTo: (call) => expect(json(call).reply_to_list).toEqual([{ email: 'reply@example.com' }]),
    subject: (call) => expect(json(call).subject).toBe('Conformance subject'),
    headers: (call) => expect(json(call).headers).toEqual({ 'X-Custom': 'custom value' }),
    textBody: (call) => expect(json(call).content).toEqual([{ type: 'text/plain', value: 'Text body' }]),
    htmlBody: (call) => expect(json(call).content[1]).toEqual({ type: 'text/html', value: '<p>HTML body</p>' }),
    ampBody: (call) => expect(json(call).content.map((c: Body) => c.type)).toEqual(['text/plain', 'text/x-amp-html']),
    alternatives: (call) => expect(json(call).content[1]).toEqual({ type: 'text/calendar', value: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR' }),
    attachments: (call) =>
      expect(json(call).attachments).toEqual([{ content: Buffer.from('attachment content').toString('base64'), filename: 'file.txt', type: 'text/plain' }]),
    envelopeSender: 'unsupported',
    metadata: (call) => expect(json(call).custom_args).toEqual({ userId: '12345' }),
    tags: (call) => expect(json(call).categories).toEqual(['tag-one']),
    trackClicks: (call) => expect(json(call).tracking_settings.click_tracking).toEqual({ enable: true, enable_text: true }),
    trackOpens: (call) => expect(json(call).tracking_settings.open_tracking).toEqual({ enable: true }),
    sendAt: (call) => expect(json(call).send_at).toBe(1893553445),
    templateId: (call) => expect(json(call).template_id).toBe('template-1'),
    mergeData: (call) => expect(first(call).dynamic_template_data).toEqual({ name: 'One' }),
    mergeGlobalData: (call) => expect(first(call).substitutions).toEqual({ site: 'Example' }),
    mergeMetadata: (call, message) => {
      expect(first(call).custom_args).toMatchObject({ order: '1' });
      expect(message.anymailStatus!.messageId).toBe(first(call).custom_args.anymail_id);
    },
    mergeHeaders: (call) => expect(first(call).headers).toEqual({ 'X-Order': '1' }),
    espExtra: (call) => {
      expect(json(call).ip_pool_name).toBe('transactional');
      expect(json(call).asm).toEqual({ group_id: 42 });
    },
  },
});

// Issue #13: hostile values in message fields and in espExtra never reach SendGrid.
describeInjectionRefusals({
  espName: 'SendGrid',
  createBackend: (apiUrl, options) => new SendGridBackend({ ...options, apiKey: 'SG.conformance', apiUrl: `${apiUrl}v3/` }),
  successRoute: fakeRoute,
  routeKey: ROUTE,
  espExtraInjections: {
    'CRLF in headers': { headers: { 'X-Note': 'a\r\nBcc: evil@attacker.test' } },
    'CRLF in personalizations.headers': { personalizations: { headers: { 'X-Note': 'a\r\nb' } } },
    'CRLF in a from name': { from: { email: 'from@example.com', name: 'a\r\nBcc: evil@attacker.test' } },
    'an encoded CRLF in a reply_to name': { reply_to: { email: 'r@example.com', name: '=?utf-8?q?a=0D=0Ab?=' } },
    'CRLF in the subject': { subject: 'a\r\nb' },
    'ESC in a category': { categories: ['a\u001bb'] },
    'CRLF in an attachment file name': { attachments: [{ content: 'eA==', filename: 'a\r\nb.txt' }] },
  },
});
