import { describeEspConformance } from '@anymail/core/test';
import { expect } from 'vitest';
import { JsonEspBackend } from './support/json-esp-backend.js';

// The core conformance suite, run against a minimal JSON ESP: proves the suite and the send loop.
describeEspConformance({
  espName: 'JsonEsp',
  createBackend: (apiUrl, options) => new JsonEspBackend({ ...options, apiUrl }),
  secrets: ['secret-key'],
  successRoute: { status: 200, body: { id: 'msg-1' } },
  espExtraSample: { campaign: 'c1' },
  features: {
    from: (call) => expect((call.json() as { from: string }).from).toBe('From Name <from@example.com>'),
    to: (call) => expect((call.json() as { to: string[] }).to).toEqual(['to1@example.com', 'To 2 <to2@example.com>']),
    subject: (call) => expect((call.json() as { subject: string }).subject).toBe('Conformance subject'),
    htmlBody: (call) => expect((call.json() as { html: string }).html).toBe('<p>HTML body</p>'),
    alternatives: 'unsupported',
    tags: (call) => expect((call.json() as { tags: string[] }).tags).toEqual(['tag-one']),
    sendAt: (call) => expect((call.json() as { sendAt: number }).sendAt).toBe(1893553445),
    mergeData: (call) => expect((call.json() as { mergeData: unknown }).mergeData).toEqual({ 'to1@example.com': { name: 'One' } }),
    espExtra: (call) => expect((call.json() as { campaign: string }).campaign).toBe('c1'),
  },
});
