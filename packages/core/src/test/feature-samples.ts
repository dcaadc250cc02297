import type { EmailMessage } from '../message.js';
import type { FeatureName } from '../esp/esp-features.js';

/** How a message is given each feature in the conformance suite. */
export const FEATURE_SAMPLES: Record<FeatureName, (message: EmailMessage) => void> = {
  from: (m) => (m.from = 'From Name <from@example.com>'),
  to: (m) => (m.to = ['to1@example.com', 'To 2 <to2@example.com>']),
  cc: (m) => (m.cc = ['cc@example.com']),
  bcc: (m) => (m.bcc = ['bcc@example.com']),
  replyTo: (m) => (m.replyTo = ['reply@example.com']),
  subject: (m) => (m.subject = 'Conformance subject'),
  headers: (m) => (m.headers = { 'X-Custom': 'custom value' }),
  textBody: (m) => (m.body = 'Text body'),
  htmlBody: (m) => m.attachAlternative('<p>HTML body</p>', 'text/html'),
  ampBody: (m) => m.attachAlternative('<!doctype html><html ⚡4email><body>AMP</body></html>', 'text/x-amp-html'),
  alternatives: (m) => m.attachAlternative('BEGIN:VCALENDAR\r\nEND:VCALENDAR', 'text/calendar'),
  attachments: (m) => m.attach('file.txt', 'attachment content', 'text/plain'),
  envelopeSender: (m) => (m.envelopeSender = 'bounces@example.com'),
  metadata: (m) => (m.metadata = { userId: '12345' }),
  tags: (m) => (m.tags = ['tag-one']),
  trackClicks: (m) => (m.trackClicks = true),
  trackOpens: (m) => (m.trackOpens = true),
  sendAt: (m) => (m.sendAt = new Date('2030-01-02T03:04:05Z')),
  templateId: (m) => (m.templateId = 'template-1'),
  mergeData: (m) => (m.mergeData = { 'to1@example.com': { name: 'One' } }),
  mergeGlobalData: (m) => (m.mergeGlobalData = { site: 'Example' }),
  mergeMetadata: (m) => (m.mergeMetadata = { 'to1@example.com': { order: '1' } }),
  mergeHeaders: (m) => (m.mergeHeaders = { 'to1@example.com': { 'X-Order': '1' } }),
  espExtra: () => undefined,
};
