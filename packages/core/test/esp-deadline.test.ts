import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnymailAPIError, AnymailConfigurationError, EmailMessage } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { JsonEspBackend } from './support/json-esp-backend.js';
import { DeadlineWheel } from '../src/esp/deadline.js';

function message(backend: JsonEspBackend): EmailMessage {
  return new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'S', body: 'B', connection: backend });
}

const PENDING = Symbol('still pending');
/** The promise's outcome, or PENDING when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof PENDING>((resolve) => (timer = setTimeout(() => resolve(PENDING), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('whole-request deadline (deadlineMs)', () => {
  let esp: FakeEsp;
  // One byte of body every 50 ms: never idle for timeoutMs, never finished.
  beforeEach(async () => {
    esp = await startFakeEsp({ 'POST /send': { trickleMs: 50 } });
  });
  afterEach(async () => {
    await esp.close();
  });

  it('ends a trickling response at deadlineMs through the undici pool, as an unknown outcome', async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url, timeoutMs: 300, deadlineMs: 800 });
    const started = performance.now();
    const error = await within(message(backend).send().catch((e: unknown) => e), 4000);
    const elapsed = performance.now() - started;
    expect(error).not.toBe(PENDING);
    expect(AnymailAPIError.isInstance(error)).toBe(true);
    const apiError = error as AnymailAPIError;
    expect(apiError.category).toBe('timeout');
    expect(apiError.code).toBe('ANYMAIL_TIMEOUT');
    expect(apiError.deliveryUnknown).toBe(true);
    expect(apiError.statusCode).toBe(200);
    expect(apiError.message).toContain('deadlineMs');
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(2500);
    await backend.close();
  });

  it('defaults deadlineMs to timeoutMs + connectTimeoutMs', async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url, timeoutMs: 300 });
    expect(backend.deadlineMs).toBe(600);
    expect(new JsonEspBackend({ apiUrl: esp.url }).deadlineMs).toBe(40_000);
    expect(new JsonEspBackend({ apiUrl: esp.url, timeoutMs: 300, connectTimeoutMs: 100 }).deadlineMs).toBe(400);
    const error = await within(message(backend).send().catch((e: unknown) => e), 4000);
    expect((error as AnymailAPIError).category).toBe('timeout');
    await backend.close();
  });

  it('ends a trickling response at deadlineMs through a user fetch (AbortSignal)', async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url, timeoutMs: 300, deadlineMs: 800, fetch: globalThis.fetch });
    const error = await within(message(backend).send().catch((e: unknown) => e), 4000);
    expect(error).not.toBe(PENDING);
    const apiError = error as AnymailAPIError;
    expect(apiError.category).toBe('timeout');
    expect(apiError.deliveryUnknown).toBe(true);
    expect(apiError.message).toContain('deadlineMs');
    await backend.close();
  });

  it('ends at deadlineMs even through a fetch that ignores the AbortSignal', async () => {
    const deaf = (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, { ...init, signal: null });
    for (const route of [{ trickleMs: 50 }, { hang: true }]) {
      esp.setRoute('POST /send', route);
      const backend = new JsonEspBackend({ apiUrl: esp.url, timeoutMs: 300, deadlineMs: 800, fetch: deaf });
      const error = await within(message(backend).send().catch((e: unknown) => e), 4000);
      expect(error).not.toBe(PENDING);
      expect((error as AnymailAPIError).category).toBe('timeout');
      expect((error as AnymailAPIError).deliveryUnknown).toBe(true);
      await backend.close();
    }
  });

  it('close() gives up on a request in flight once its deadline passes', async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url, timeoutMs: 300, deadlineMs: 1000 });
    const sending = message(backend).send().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(esp.calls).toHaveLength(1);
    const started = performance.now();
    const closed = await within(backend.close().then(() => 'closed'), 4000);
    expect(closed).toBe('closed');
    expect(performance.now() - started).toBeLessThan(2000);
    const error = (await within(sending, 1000)) as AnymailAPIError;
    expect(error.category).toBe('timeout');
    expect(error.deliveryUnknown).toBe(true);
  });

  it('refuses a deadlineMs that is not a positive number', () => {
    for (const deadlineMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      expect(() => new JsonEspBackend({ apiUrl: esp.url, deadlineMs })).toThrow(AnymailConfigurationError);
    }
  });
});

describe("DeadlineWheel (one timer for every request of a transport)", () => {
  it('fires each pending deadline once, never before deadlineMs, and never after done()', async () => {
    const wheel = new DeadlineWheel(160);
    const fired: string[] = [];
    const started = performance.now();
    const at: Record<string, number> = {};
    const first = wheel.start(() => ((at.first = performance.now() - started), fired.push('first')));
    const finished = wheel.start(() => fired.push('finished'));
    await new Promise((resolve) => setTimeout(resolve, 40));
    wheel.start(() => ((at.later = performance.now() - started), fired.push('later')));
    wheel.done(finished);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fired).toEqual(['first', 'later']);
    expect(at.first).toBeGreaterThanOrEqual(155);
    expect(at.later).toBeGreaterThanOrEqual(195);
    wheel.done(first); // after it fired: nothing happens
    expect(fired).toEqual(['first', 'later']);
  });
});
