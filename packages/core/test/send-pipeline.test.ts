// Regression tests of issue 14: one send pipeline for every backend kind.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AnymailConfigurationError,
  AnymailError,
  AnymailStatus,
  EmailMessage,
  FailoverBackend,
  MemoryBackend,
  DummyBackend,
  configure,
  postSend,
  type CombinedSend,
  type PostSendArgs,
} from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { JsonEspBackend } from './support/json-esp-backend.js';

let esp: FakeEsp;
beforeEach(async () => {
  configure({});
  MemoryBackend.outbox.length = 0;
  esp = await startFakeEsp({ 'POST /send': { body: { id: 'id-1' } } });
});
afterEach(async () => {
  configure({});
  MemoryBackend.outbox.length = 0;
  await esp.close();
});

describe('message resolution', () => {
  it('uses sendDefaults.from when the message has no from', async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url, sendDefaults: { from: 'defaults@example.com' } });
    const message = new EmailMessage({ to: ['to@example.com'], body: 'B', connection: backend });
    await expect(message.send()).resolves.toBe(1);
    await backend.close();
    expect((esp.calls[0]!.json() as { from: string }).from).toBe('defaults@example.com');
  });

  it("never changes the caller's message (no default from written into it)", async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url, sendDefaults: { to: ['always@example.com'], tags: ['t'] } });
    const message = new EmailMessage({ to: ['to@example.com'], body: 'B', connection: backend });
    await message.send();
    await backend.close();
    expect(message.from).toBeUndefined();
    expect(message.to).toEqual(['to@example.com']);
    expect(message.tags).toBeUndefined();
    expect(message.anymailStatus?.espName).toBe('JsonEsp');
  });

  it('send() and sendMessages() agree when the recipients are only in sendDefaults', async () => {
    const backend = new JsonEspBackend({ apiUrl: esp.url, sendDefaults: { to: ['always@example.com'] } });
    const viaSend = new EmailMessage({ from: 'f@example.com', body: 'B', connection: backend });
    const viaSendMessages = new EmailMessage({ from: 'f@example.com', body: 'B', connection: backend });
    const sent = await viaSend.send();
    const counted = await backend.sendMessages([viaSendMessages]);
    await backend.close();
    expect([sent, counted]).toEqual([1, 1]);
    expect(esp.calls).toHaveLength(2);
  });

  it('local backends apply sendDefaults too', async () => {
    const backend = new MemoryBackend({ sendDefaults: { from: 'memory-default@example.com', bcc: ['audit@example.com'] } });
    const message = new EmailMessage({ to: ['to@example.com'], body: 'B' });
    await expect(backend.sendMessages([message])).resolves.toBe(1);
    expect(MemoryBackend.outbox[0]!.from).toBe('memory-default@example.com');
    expect(MemoryBackend.outbox[0]!.bcc).toEqual(['audit@example.com']);
    expect(message.from).toBeUndefined();
  });
});

describe('statuses and failSilently, the same for every backend kind', () => {
  it('an ESP backend leaves a failed status after a failed send, as local backends do', async () => {
    esp.setRoute('POST /send', { status: 500, body: { message: 'down' } });
    const backend = new JsonEspBackend({ apiUrl: esp.url });
    const message = new EmailMessage({ from: 'f@example.com', to: ['to@example.com'], body: 'B', connection: backend });
    await expect(message.send()).rejects.toThrow(AnymailError);
    await backend.close();
    expect([...message.anymailStatus!.status]).toEqual(['failed']);
    expect(message.anymailStatus!.espName).toBe('JsonEsp');
  });

  it('sendResults yields one result per message, in order, without throwing', async () => {
    esp.setRoute('POST /send', (call) =>
      (call.json() as { to: string[] }).to[0] === 'bad@example.com' ? { status: 500, body: {} } : { body: { id: 'ok' } },
    );
    const backend = new JsonEspBackend({ apiUrl: esp.url });
    const messages = ['a@example.com', 'bad@example.com', 'c@example.com'].map(
      (to) => new EmailMessage({ from: 'f@example.com', to: [to], body: 'B' }),
    );
    const results = await backend.sendResults(messages);
    await backend.close();
    expect(results.map((r) => r.outcome)).toEqual(['sent', 'failed', 'sent']);
    expect(results[1]!.error).toBeInstanceOf(AnymailError);
    expect(results.every((r) => r.espName === 'JsonEsp')).toBe(true);
    expect(results[0]!.message).toBe(messages[0]);
  });

  it('FailoverBackend works over a backend that overrides sendMessages itself (Django style)', async () => {
    const backend = new FailoverBackend({ backends: [new DummyBackend()] });
    const message = new EmailMessage({ from: 'f@example.com', to: ['to@example.com'], body: 'B', connection: backend });
    await expect(message.send()).resolves.toBe(1);
    expect([...message.anymailStatus!.status]).toEqual(['sent']);
    expect(message.anymailStatus!.espName).toBe('DummyBackend');
  });

  it('a misconfigured FailoverBackend raises AnymailConfigurationError', () => {
    expect(() => new FailoverBackend({ backends: [] })).toThrow(AnymailConfigurationError);
  });

  it('FailoverBackend gives postSend the status with its attempts', async () => {
    const statuses: PostSendArgs[] = [];
    const receiver = (args: PostSendArgs) => void statuses.push(args);
    postSend.connect(receiver);
    const backend = new FailoverBackend({ backends: [new JsonEspBackend({ apiUrl: esp.url, espName: 'Only' })] });
    try {
      const message = new EmailMessage({ from: 'f@example.com', to: ['to@example.com'], body: 'B', connection: backend });
      await expect(message.send()).resolves.toBe(1);
      expect(message.anymailStatus!.espName).toBe('Only');
      expect(message.anymailStatus!.attempts).toHaveLength(1);
    } finally {
      postSend.disconnect(receiver);
      await backend.close();
    }
    expect(statuses.map((s) => s.espName)).toEqual(['Only']);
  });
});

describe('bounded concurrency in sendMessages', () => {
  /** Holds each request until `gate` requests are in flight (or 300 ms passed), so the peak is deterministic. */
  function slowRoute(state: { inFlight: number; max: number }, failFor = new Set<string>(), gate = 0) {
    const waiting: Array<() => void> = [];
    return async (call: { json(): unknown }) => {
      state.inFlight++;
      state.max = Math.max(state.max, state.inFlight);
      if (gate > 0 && state.inFlight >= gate) for (const release of waiting.splice(0)) release();
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        setTimeout(resolve, gate > 0 ? 300 : 15);
      });
      state.inFlight--;
      const to = (call.json() as { to: string[] }).to[0]!;
      return failFor.has(to) ? { status: 500, body: { message: 'down' } } : { body: { id: `id-${to}` } };
    };
  }
  const batch = (n: number) => Array.from({ length: n }, (_, i) => new EmailMessage({ from: 'f@example.com', to: [`r${i}@example.com`], body: 'B' }));

  it('sends up to sendConcurrency messages at once (default 10), statuses in input order', async () => {
    const state = { inFlight: 0, max: 0 };
    esp.setRoute('POST /send', slowRoute(state, new Set(), 10));
    const backend = new JsonEspBackend({ apiUrl: esp.url });
    const messages = batch(40);
    await expect(backend.sendMessages(messages)).resolves.toBe(40);
    await backend.close();
    expect(state.max).toBe(10);
    expect(messages.map((m) => m.anymailStatus!.messageId)).toEqual(messages.map((m) => `id-${m.to[0]}`));
  });

  it('honours sendConcurrency: 1 and a larger value', async () => {
    for (const sendConcurrency of [1, 25]) {
      const state = { inFlight: 0, max: 0 };
      esp.setRoute('POST /send', slowRoute(state, new Set(), sendConcurrency));
      const backend = new JsonEspBackend({ apiUrl: esp.url, sendConcurrency });
      await backend.sendMessages(batch(30));
      await backend.close();
      expect(state.max).toBe(sendConcurrency);
    }
  });

  it('refuses a sendConcurrency that is not a whole number of at least 1', () => {
    expect(() => new JsonEspBackend({ apiUrl: esp.url, sendConcurrency: 0 })).toThrow(AnymailConfigurationError);
  });

  it('one failure does not abort the others under failSilently; results keep their order', async () => {
    const state = { inFlight: 0, max: 0 };
    esp.setRoute('POST /send', slowRoute(state, new Set(['r3@example.com', 'r17@example.com'])));
    const backend = new JsonEspBackend({ apiUrl: esp.url, failSilently: true });
    const messages = batch(20);
    await expect(backend.sendMessages(messages)).resolves.toBe(18);
    const results = await backend.sendResults(messages);
    await backend.close();
    expect(results.map((r) => r.outcome)).toEqual(messages.map((_, i) => (i === 3 || i === 17 ? 'failed' : 'sent')));
    expect([...messages[3]!.anymailStatus!.status]).toEqual(['failed']);
  });

  it('without failSilently, raises the failure after the messages in flight, starting no new ones', async () => {
    const state = { inFlight: 0, max: 0 };
    esp.setRoute('POST /send', slowRoute(state, new Set(['r0@example.com'])));
    const backend = new JsonEspBackend({ apiUrl: esp.url, sendConcurrency: 4 });
    const messages = batch(40);
    await expect(backend.sendMessages(messages)).rejects.toThrow(AnymailError);
    await backend.close();
    expect(esp.calls.length).toBeLessThan(10);
    expect(messages.at(-1)!.anymailStatus).toBeUndefined();
  });
});

describe('combined sends (batch endpoints)', () => {
  /** JsonEsp with a batch endpoint that combines only messages of the same subject (like SparkPost's shared content). */
  class GroupingEspBackend extends JsonEspBackend {
    protected override readonly combinedSend: CombinedSend = {
      maxMessages: 10,
      canCombine: () => true,
      groupKey: (request) => String((JSON.parse(request.body as string) as { subject?: string }).subject),
      build: (requests) => ({ ...requests[0]!, path: 'batch', body: `[${requests.map((request) => request.body as string).join(',')}]` }),
      parse: (_response, _combined, parts) => parts.map((_part, index) => AnymailStatus.forAll(['to@example.com'], 'queued', `batch-${index}`)),
    };
  }

  it('combines only requests of the same groupKey, each group in its own request', async () => {
    esp.setRoute('POST /batch', { body: { ok: true } });
    const backend = new GroupingEspBackend({ apiUrl: esp.url });
    const message = (subject: string) => new EmailMessage({ from: 'f@example.com', to: ['to@example.com'], subject, body: 'B' });
    const messages = [message('x'), message('y'), message('x'), message('y'), message('z')];
    await expect(backend.sendMessages(messages)).resolves.toBe(5);
    await backend.close();
    const batches = esp.calls.filter((call) => call.path === '/batch').map((call) => (call.json() as { subject: string }[]).map((part) => part.subject));
    expect(batches.sort()).toEqual([['x', 'x'], ['y', 'y']]);
    expect(esp.calls.filter((call) => call.path === '/send').map((call) => (call.json() as { subject: string }).subject)).toEqual(['z']);
    expect(messages.map((sent) => sent.anymailStatus?.messageId)).toEqual(['batch-0', 'batch-0', 'batch-1', 'batch-1', 'id-1']);
  });
});
