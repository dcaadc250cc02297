import { describe, expect, it } from 'vitest';
import {
  AnymailError,
  MemoryReplayCache,
  basicAuthMatches,
  constantTimeEqual,
  createTrackingEvent,
  parseEventTime,
  resolveWebhookSecrets,
} from '../src/index.js';

describe('MemoryReplayCache', () => {
  it('holds a key in progress, then done once completed, until it expires; accepts it again after release', () => {
    let now = 1000;
    const cache = new MemoryReplayCache({ maxEntries: 10, now: () => now });
    expect(cache.claim('a', 2000)).toBe('claimed');
    expect(cache.claim('a', 2000)).toBe('in-progress');
    cache.complete('a');
    expect(cache.claim('a', 2000)).toBe('done');
    now = 2001;
    expect(cache.claim('a', 3000)).toBe('claimed');
    cache.release('a');
    cache.complete('a'); // a released key is not revived
    expect(cache.claim('a', 3000)).toBe('claimed');
  });
  it('when full, never forgets a still-valid key: a new claim is refused as busy (503) instead', () => {
    let now = 0;
    const cache = new MemoryReplayCache({ maxEntries: 3, now: () => now });
    for (const key of ['k1', 'k2', 'k3']) expect(cache.claim(key, 100)).toBe('claimed');
    let busy: unknown;
    try {
      cache.claim('k4', 100);
    } catch (error) {
      busy = error;
    }
    expect(AnymailError.isInstance(busy) && [busy.code, busy.statusCode]).toEqual(['ANYMAIL_WEBHOOK_BUSY', 503]);
    expect(cache.size).toBe(3);
    // The captured request k1 is still refused, however many newer claims were tried.
    for (let i = 0; i < 10; i++) expect(() => cache.claim(`new${i}`, 100)).toThrow(/full/);
    expect(cache.claim('k1', 100)).toBe('in-progress');
    // Once the window has passed, the keys expire and room comes back.
    now = 100;
    expect(cache.claim('k4', 200)).toBe('claimed');
    expect(cache.size).toBe(1);
  });
  it('evicts in expiry order even when keys arrive out of order, and ignores released keys', () => {
    let now = 0;
    const cache = new MemoryReplayCache({ maxEntries: 1000, now: () => now });
    const expiries = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 500) + 1);
    expiries.forEach((expiresAt, i) => cache.claim(`k${i}`, expiresAt));
    cache.release('k0');
    for (now = 0; now <= 500; now += 50) {
      cache.claim(`probe${now}`, now + 1);
      const live = expiries.filter((e, i) => e > now && i !== 0).length;
      expect(cache.size).toBe(live + 1);
    }
  });
  it('drops expired keys while pruning', () => {
    let now = 0;
    const cache = new MemoryReplayCache({ now: () => now });
    cache.claim('old', 10);
    now = 20;
    cache.claim('new', 50);
    expect(cache.size).toBe(1);
  });
});

describe('basic auth helpers', () => {
  const header = (cred: string) => `Basic ${Buffer.from(cred).toString('base64')}`;
  it('constantTimeEqual compares strings of any length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
  it('basicAuthMatches only a listed credential', () => {
    expect(basicAuthMatches(header('u:p'), ['x:y', 'u:p'])).toBe(true);
    expect(basicAuthMatches(`  basic ${Buffer.from('u:p').toString('base64')} `, ['u:p'])).toBe(true);
    expect(basicAuthMatches(header('u:p'), [])).toBe(false);
    expect(basicAuthMatches(undefined, ['u:p'])).toBe(false);
    expect(basicAuthMatches(header('u:P'), ['u:p'])).toBe(false);
  });
  it('resolveWebhookSecrets: option, then <ESP>_WEBHOOK_SECRET, then ANYMAIL_WEBHOOK_SECRET', () => {
    expect(resolveWebhookSecrets('mailgun', 'a:b', { ANYMAIL_WEBHOOK_SECRET: 'c:d' })).toEqual(['a:b']);
    expect(resolveWebhookSecrets('mailgun', undefined, { MAILGUN_WEBHOOK_SECRET: 'e:f', ANYMAIL_WEBHOOK_SECRET: 'c:d' })).toEqual(['e:f']);
    expect(resolveWebhookSecrets('mailgun', undefined, { ANYMAIL_WEBHOOK_SECRET: 'c:d, g:h' })).toEqual(['c:d', 'g:h']);
    expect(resolveWebhookSecrets('mailgun', undefined, {})).toEqual([]);
  });
});

describe('tracking event helpers', () => {
  it('createTrackingEvent fills every field', () => {
    expect(createTrackingEvent({ espName: 'X', espEvent: 1, eventType: 'opened', recipient: 'a@b.c' })).toEqual({
      espName: 'X', espEvent: 1, eventType: 'opened', recipient: 'a@b.c', timestamp: undefined, eventId: undefined,
      messageId: undefined, tags: [], metadata: {}, rejectReason: undefined, description: undefined,
      mtaResponse: undefined, userAgent: undefined, clickUrl: undefined,
    });
  });
  it('parseEventTime reads epoch seconds (number or string) and ISO strings', () => {
    expect(parseEventTime(1529006854.5)?.toISOString()).toBe('2018-06-14T20:07:34.500Z');
    expect(parseEventTime('1529006854')?.toISOString()).toBe('2018-06-14T20:07:34.000Z');
    expect(parseEventTime('2025-04-05T16:33:54.9070259Z')?.toISOString()).toBe('2025-04-05T16:33:54.907Z');
    expect(parseEventTime('not a date')).toBeUndefined();
    expect(parseEventTime(undefined)).toBeUndefined();
  });
});
