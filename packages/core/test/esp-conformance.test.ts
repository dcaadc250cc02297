import { describeEspConformance, type FakeEspCall } from '@anymail/core/test/vitest';
import { expect } from 'vitest';
import { JsonEspBackend } from './support/json-esp-backend.js';

const body = (call: FakeEspCall) => call.json() as Record<string, unknown>;

// The core conformance suite, run against a minimal JSON ESP: proves the suite and the send loop.
describeEspConformance({
  espName: 'JsonEsp',
  createBackend: (apiUrl, options) => new JsonEspBackend({ ...options, apiUrl, unsupportedFeatures: ['alternatives'] }),
  secrets: ['secret-key'],
  successRoute: { status: 200, body: { id: 'msg-1' } },
  espExtraSample: { campaign: 'c1' },
  features: {
    from: (call) => expect((call.json() as { from: string }).from).toBe('From Name <from@example.com>'),
    to: (call) => expect((call.json() as { to: string[] }).to).toEqual(['to1@example.com', 'To 2 <to2@example.com>']),
    cc: (call) => expect(body(call).cc).toEqual(['cc@example.com']),
    bcc: (call) => expect(body(call).bcc).toEqual(['bcc@example.com']),
    replyTo: (call) => expect(body(call).replyTo).toEqual(['reply@example.com']),
    headers: (call) => expect(body(call).headers).toEqual({ 'X-Custom': 'custom value' }),
    textBody: (call) => expect(body(call).text).toBe('Text body'),
    ampBody: (call) => expect(body(call).amp).toContain('AMP'),
    attachments: (call) => expect(body(call).attachments).toEqual([{ name: 'file.txt', type: 'text/plain' }]),
    envelopeSender: (call) => expect(body(call).envelopeSender).toBe('bounces@example.com'),
    metadata: (call) => expect(body(call).metadata).toEqual({ userId: '12345' }),
    trackClicks: (call) => expect(body(call).trackClicks).toBe(true),
    trackOpens: (call) => expect(body(call).trackOpens).toBe(true),
    templateId: (call) => expect(body(call).templateId).toBe('template-1'),
    mergeGlobalData: (call) => expect(body(call).mergeGlobalData).toEqual({ site: 'Example' }),
    mergeMetadata: (call) => expect(body(call).mergeMetadata).toEqual({ 'to1@example.com': { order: '1' } }),
    mergeHeaders: (call) => expect(body(call).mergeHeaders).toEqual({ 'to1@example.com': { 'X-Order': '1' } }),
    subject: (call) => expect((call.json() as { subject: string }).subject).toBe('Conformance subject'),
    htmlBody: (call) => expect((call.json() as { html: string }).html).toBe('<p>HTML body</p>'),
    alternatives: 'unsupported',
    tags: (call) => expect((call.json() as { tags: string[] }).tags).toEqual(['tag-one']),
    sendAt: (call) => expect((call.json() as { sendAt: number }).sendAt).toBe(1893553445),
    mergeData: (call) => expect((call.json() as { mergeData: unknown }).mergeData).toEqual({ 'to1@example.com': { name: 'One' } }),
    espExtra: (call) => expect((call.json() as { campaign: string }).campaign).toBe('c1'),
  },
});
