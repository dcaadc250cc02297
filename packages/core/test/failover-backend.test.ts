import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AnymailError,
  EmailMessage,
  FailoverBackend,
  WeightedStrategy,
  failover,
  failoverAttempts,
  postSend,
  preSend,
  type FailoverBackendOptions,
} from '@anymail/core';
import { getClosedPort, startFakeEsp, type FakeEsp, type FakeEspReply } from '@anymail/core/test';
import { SmtpBackend } from '../src/backends/smtp-backend.js';
import { JsonEspBackend } from './support/json-esp-backend.js';
import { closeTestSmtpServers, startTestSmtp } from './support/test-smtp.js';

const OK: FakeEspReply = { body: { id: 'ok-id' } };

describe('FailoverBackend under faults (real loopback servers)', () => {
  let primary: FakeEsp;
  let secondary: FakeEsp;
  beforeAll(async () => {
    primary = await startFakeEsp({ '*': OK });
    secondary = await startFakeEsp({ '*': OK });
  });
  afterAll(async () => {
    await primary.close();
    await secondary.close();
  });
  afterEach(() => {
    primary.calls.length = 0;
    secondary.calls.length = 0;
    primary.setRoute('*', OK);
  });

  function makeFailover(primaryUrl = primary.url, options: Partial<FailoverBackendOptions> = {}) {
    return new FailoverBackend({
      backends: [
        new JsonEspBackend({ apiUrl: primaryUrl, espName: 'Primary', timeoutMs: 300 }),
        new JsonEspBackend({ apiUrl: secondary.url, espName: 'Secondary', timeoutMs: 300 }),
      ],
      ...options,
    });
  }
  const message = (connection: FailoverBackend) =>
    new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'S', body: 'B', connection });

  const failsOver: Array<[string, FakeEspReply, string]> = [
    ['HTTP 500', { status: 500, body: { message: 'down' } }, 'server'],
    ['HTTP 502 HTML', { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' }, 'server'],
    ['HTTP 429 with Retry-After', { status: 429, headers: { 'retry-after': '30' }, body: { message: 'slow down' } }, 'rate-limit'],
    ['HTTP 401', { status: 401, body: { message: 'bad key' } }, 'auth'],
  ];
  for (const [name, reply, category] of failsOver) {
    it(`fails over on ${name}`, async () => {
      primary.setRoute('*', reply);
      const backend = makeFailover();
      const msg = message(backend);
      await expect(msg.send()).resolves.toBe(1);
      await backend.close();
      expect(primary.calls).toHaveLength(1);
      expect(secondary.calls).toHaveLength(1);
      expect(msg.anymailStatus!.espName).toBe('Secondary');
      const attempts = msg.anymailStatus!.attempts!;
      expect(attempts.map((a) => [a.espName, a.category])).toEqual([
        ['Primary', category],
        ['Secondary', undefined],
      ]);
      expect(attempts[0]!.statusCode).toBe((reply.status as number) ?? undefined);
    });
  }

  it('fails over on a refused port (never connected)', async () => {
    const backend = makeFailover(`http://127.0.0.1:${await getClosedPort()}/`);
    const msg = message(backend);
    await expect(msg.send()).resolves.toBe(1);
    await backend.close();
    expect(secondary.calls).toHaveLength(1);
    expect(msg.anymailStatus!.attempts!.map((a) => a.category)).toEqual(['network', undefined]);
  });

  it('raises at once on HTTP 400 (every ESP would refuse it) and never asks the secondary', async () => {
    primary.setRoute('*', { status: 400, body: { message: 'malformed' } });
    const backend = makeFailover();
    const error = await message(backend).send().catch((e: unknown) => e);
    await backend.close();
    expect((error as AnymailError).category).toBe('invalid-request');
    expect(secondary.calls).toHaveLength(0);
    expect(failoverAttempts(error)?.map((a) => a.espName)).toEqual(['Primary']);
  });

  const unknown: Array<[string, FakeEspReply]> = [
    ['a hang before the headers', { hang: true }],
    ['a reset after the body', { reset: true }],
    ['garbage JSON in a 200', { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":' }],
  ];
  for (const [name, reply] of unknown) {
    it(`does not resend after ${name} (unknown outcome) by default`, async () => {
      primary.setRoute('*', reply);
      const backend = makeFailover();
      const error = (await message(backend).send().catch((e: unknown) => e)) as AnymailError;
      await backend.close();
      expect(error.deliveryUnknown).toBe(true);
      expect(error.code).toBe('ANYMAIL_DELIVERY_UNKNOWN');
      expect(primary.calls).toHaveLength(1);
      expect(secondary.calls).toHaveLength(0);
      expect(failoverAttempts(error)).toHaveLength(1);
    });
  }

  it("resends after an unknown outcome with onUnknownOutcome: 'failover'", async () => {
    primary.setRoute('*', { hang: true });
    const backend = makeFailover(primary.url, { onUnknownOutcome: 'failover' });
    const msg = message(backend);
    await expect(msg.send()).resolves.toBe(1);
    await backend.close();
    expect(secondary.calls).toHaveLength(1);
    expect(msg.anymailStatus!.attempts![0]!.deliveryUnknown).toBe(true);
  });

  it('runs preSend per attempt on its own copy, postSend once, and fires the failover signal', async () => {
    primary.setRoute('*', { status: 503, body: 'x' });
    const backend = makeFailover();
    const pre: string[] = [];
    const post: string[] = [];
    const moves: string[] = [];
    const onPre = ({ message: m, espName }: { message: EmailMessage; espName: string }) => {
      pre.push(espName);
      m.subject = `${m.subject} via ${espName}`;
    };
    const onPost = ({ espName }: { espName: string }) => void post.push(espName);
    const onFailover = ({ from, to, category }: { from: string; to: string; category: string }) => void moves.push(`${from}>${to}:${category}`);
    preSend.connect(onPre);
    postSend.connect(onPost);
    failover.connect(onFailover);
    const msg = message(backend);
    try {
      await msg.send();
    } finally {
      preSend.disconnect(onPre);
      postSend.disconnect(onPost);
      failover.disconnect(onFailover);
      await backend.close();
    }
    expect(pre).toEqual(['Primary', 'Secondary']);
    expect(post).toEqual(['Secondary']);
    expect(moves).toEqual(['Primary>Secondary:server']);
    expect((secondary.calls[0]!.json() as { subject: string }).subject).toBe('S via Secondary');
    expect(msg.subject).toBe('S');
  });

  it('circuit breaker: with the primary down, 1000 sends cost a handful of primary attempts', async () => {
    primary.setRoute('*', { status: 500, body: 'down' });
    const backend = makeFailover(primary.url, { failureThreshold: 3, coolDownMs: 60_000 });
    const messages = Array.from({ length: 1000 }, () => message(backend));
    await expect(backend.sendMessages(messages)).resolves.toBe(1000);
    await backend.close();
    expect(primary.calls.length).toBeLessThanOrEqual(3);
    expect(secondary.calls).toHaveLength(1000);
  });

  it('probes a cooled-down backend once (half-open) and closes the breaker on success', async () => {
    primary.setRoute('*', { status: 500, body: 'down' });
    const backend = makeFailover(primary.url, { failureThreshold: 1, coolDownMs: 100 });
    await message(backend).send();
    await message(backend).send();
    expect(primary.calls).toHaveLength(1);
    primary.setRoute('*', OK);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const probe = message(backend);
    await probe.send();
    expect(probe.anymailStatus!.espName).toBe('Primary');
    await message(backend).send();
    await backend.close();
    expect(primary.calls).toHaveLength(3);
  });

  it('raises at once, without waiting on timeouts, while every backend is cooling down', async () => {
    const dead = `http://127.0.0.1:${await getClosedPort()}/`;
    const backend = new FailoverBackend({
      backends: [new JsonEspBackend({ apiUrl: dead, espName: 'A' }), new JsonEspBackend({ apiUrl: dead, espName: 'B' })],
      failureThreshold: 1,
      coolDownMs: 60_000,
    });
    await message(backend).send().catch(() => undefined);
    const error = (await message(backend).send().catch((e: unknown) => e)) as AnymailError;
    await backend.close();
    expect(error.code).toBe('ANYMAIL_ALL_BACKENDS_DOWN');
    expect(error.message).toContain('cooling down');
  });

  it('skips a backend that cannot honour a feature the message uses, and assertSupports checks a feature set', async () => {
    const backend = new FailoverBackend({
      backends: [
        new JsonEspBackend({ apiUrl: primary.url, espName: 'NoSchedule', unsupportedFeatures: ['sendAt'] }),
        new JsonEspBackend({ apiUrl: secondary.url, espName: 'Scheduler' }),
      ],
    });
    const msg = message(backend);
    msg.sendAt = new Date('2030-01-01T00:00:00Z');
    await msg.send();
    await backend.close();
    expect(primary.calls).toHaveLength(0);
    expect(msg.anymailStatus!.espName).toBe('Scheduler');
    expect(() => backend.assertSupports(['sendAt', 'tags'])).not.toThrow();
    const onlyNoSchedule = new FailoverBackend({
      backends: [new JsonEspBackend({ apiUrl: primary.url, unsupportedFeatures: ['sendAt'] })],
    });
    expect(() => onlyNoSchedule.assertSupports(['sendAt'])).toThrow(/sendAt/);
  });

  it('round-robin spreads messages over the backends', async () => {
    const backend = makeFailover(primary.url, { strategy: 'round-robin' });
    await backend.sendMessages(Array.from({ length: 10 }, () => message(backend)));
    await backend.close();
    expect(primary.calls).toHaveLength(5);
    expect(secondary.calls).toHaveLength(5);
  });

  it('weighted picks the first backend in proportion to weight', () => {
    // weights 3:1 → a random point below 0.75 picks the first backend, above it the second
    expect(new WeightedStrategy(() => 0.7).order([3, 1])).toEqual([0, 1]);
    expect(new WeightedStrategy(() => 0.8).order([3, 1])).toEqual([1, 0]);
    expect(new WeightedStrategy(() => 0.1).order([0, 5, 5])).toEqual([1, 2, 0]);
  });
});

describe('FailoverBackend with an SMTP primary (real sockets)', () => {
  it('moves on when the SMTP server never greets (nothing was sent), but not when DATA goes unanswered', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const secondary = await startFakeEsp({ '*': OK });
    const stalls = await startTestSmtp({ onData: (stream) => stream.resume() });
    try {
      const port = (silent.address() as AddressInfo).port;
      const viaSilent = new FailoverBackend({
        backends: [new SmtpBackend({ host: '127.0.0.1', port, timeoutMs: 600 }), new JsonEspBackend({ apiUrl: secondary.url, espName: 'Secondary' })],
      });
      const first = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'S', body: 'B', connection: viaSilent });
      await expect(first.send()).resolves.toBe(1);
      expect(first.anymailStatus!.espName).toBe('Secondary');
      expect(first.anymailStatus!.attempts!.map((attempt) => [attempt.espName, attempt.category, attempt.deliveryUnknown ?? false])).toEqual([
        ['SMTP', 'timeout', false],
        ['Secondary', undefined, false],
      ]);
      await viaSilent.close();

      const viaStall = new FailoverBackend({
        backends: [new SmtpBackend({ host: '127.0.0.1', port: stalls.port, timeoutMs: 500, connectTimeoutMs: 5000 }), new JsonEspBackend({ apiUrl: secondary.url, espName: 'Secondary' })],
      });
      const second = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'S', body: 'B', connection: viaStall });
      await expect(second.send()).rejects.toMatchObject({ code: 'ANYMAIL_DELIVERY_UNKNOWN' });
      expect(secondary.calls).toHaveLength(1); // only the first message reached the secondary
      await viaStall.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      await secondary.close();
      await closeTestSmtpServers();
    }
  });
});
