import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnymailError, EmailMessage, FailoverBackend, type FailoverBackendOptions } from '@anymail/core';
import { getClosedPort, startFakeEsp, type FakeEsp, type FakeEspReply } from '@anymail/core/test';
import { JsonEspBackend } from './support/json-esp-backend.js';

const OK: FakeEspReply = { body: { id: 'ok-id' } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A primary that is down, slowly: concurrent callers overlap while it answers. */
const slowDown = async (): Promise<FakeEspReply> => {
  await sleep(100);
  return { status: 503, body: { message: 'down' } };
};

// Concurrency of FailoverBackend against real loopback servers, counting requests per server.
describe('FailoverBackend under concurrent sends', () => {
  let primary: FakeEsp;
  let secondary: FakeEsp;
  const opened: FailoverBackend[] = [];
  beforeAll(async () => {
    primary = await startFakeEsp({ '*': OK });
    secondary = await startFakeEsp({ '*': OK });
  });
  afterAll(async () => {
    await primary.close();
    await secondary.close();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
    primary.calls.length = 0;
    secondary.calls.length = 0;
    primary.setRoute('*', OK);
  });

  // Generous timeouts (a loaded CI machine must not turn a slow answer into a failure), short
  // ones only where a test waits for a hang to end.
  const RELAXED = { timeoutMs: 3000, deadlineMs: 5000 };
  const SHORT = { timeoutMs: 300, deadlineMs: 600 };
  function makeFailover(options: Partial<FailoverBackendOptions> = {}, primaryUrl = primary.url, timeouts = RELAXED): FailoverBackend {
    const backend = new FailoverBackend({
      backends: [
        new JsonEspBackend({ apiUrl: primaryUrl, espName: 'Primary', ...timeouts }),
        new JsonEspBackend({ apiUrl: secondary.url, espName: 'Secondary', ...RELAXED }),
      ],
      ...options,
    });
    opened.push(backend);
    return backend;
  }
  const message = (connection: FailoverBackend) =>
    new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'S', body: 'B', connection });
  /** Send `count` messages at once; how each ended. */
  async function burst(backend: FailoverBackend, count = 20) {
    const messages = Array.from({ length: count }, () => message(backend));
    const results = await Promise.allSettled(messages.map((m) => m.send()));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as AnymailError] : []));
    const primaryAttempts = messages.reduce(
      (sum, m) => sum + (m.anymailStatus?.attempts?.filter((a) => a.espName === 'Primary').length ?? 0),
      0,
    );
    return { sent: results.length - errors.length, errors, messages, primaryAttempts };
  }

  it('half-open admits exactly one probe; the other concurrent sends go to the next backend', async () => {
    primary.setRoute('*', slowDown);
    // A long cool-down: after the probe fails, the breaker stays open until the burst is over
    // (a later, second probe would be legitimate).
    const backend = makeFailover({ failureThreshold: 1, coolDownMs: 1000 });
    await message(backend).send();
    expect(primary.calls).toHaveLength(1);
    await sleep(1050);
    const { sent } = await burst(backend);
    expect(sent).toBe(20);
    expect(primary.calls).toHaveLength(2); // the first failure, then one probe
    expect(secondary.calls).toHaveLength(21);
  });

  it('a probe that ends in an error every ESP would repeat frees the half-open slot', async () => {
    primary.setRoute('*', { status: 500, body: 'down' });
    const backend = makeFailover({ failureThreshold: 1, coolDownMs: 100 });
    await message(backend).send();
    await sleep(150);
    primary.setRoute('*', { status: 400, body: { message: 'bad request' } });
    await expect(message(backend).send()).rejects.toMatchObject({ category: 'invalid-request' });
    await sleep(150);
    primary.setRoute('*', OK);
    const probe = message(backend);
    await probe.send();
    expect(probe.anymailStatus!.espName).toBe('Primary');
  });

  it('bounds attempts to a failing backend before its breaker opens: one at a time, the rest go on', async () => {
    const backend = makeFailover({ failureThreshold: 5, coolDownMs: 60_000 });
    await message(backend).send(); // the primary answers: proven
    primary.setRoute('*', slowDown);
    await message(backend).send(); // one failure: failing, breaker still closed
    expect(primary.calls).toHaveLength(2);
    const { sent } = await burst(backend);
    expect(sent).toBe(20);
    expect(primary.calls).toHaveLength(3); // one trial in flight at a time
    expect(secondary.calls).toHaveLength(21);
  });

  it('with a never-answering primary, 20 concurrent sends do not all end unknown: the secondary takes them', async () => {
    primary.setRoute('*', { hang: true });
    const backend = makeFailover({}, primary.url, SHORT);
    const { sent, errors } = await burst(backend);
    expect(primary.calls.length).toBeLessThanOrEqual(1);
    expect(errors.filter((e) => e.deliveryUnknown).length).toBeLessThanOrEqual(1);
    expect(sent).toBeGreaterThanOrEqual(19);
    expect(secondary.calls.length).toBe(sent);
  });

  it('with a refused primary, 20 concurrent sends try it once, not 20 times', async () => {
    const dead = `http://127.0.0.1:${await getClosedPort()}/`;
    const backend = makeFailover({}, dead);
    const { sent, primaryAttempts } = await burst(backend);
    expect(sent).toBe(20);
    expect(primaryAttempts).toBe(1);
    expect(secondary.calls).toHaveLength(20);
  });

  it('a healthy primary at start-up takes the whole burst (the secondary is not used)', async () => {
    const backend = makeFailover();
    const { sent } = await burst(backend);
    expect(sent).toBe(20);
    expect(primary.calls).toHaveLength(20);
    expect(secondary.calls).toHaveLength(0);
  });

  it('with no other backend left, callers wait for the failing backend\'s trial instead of failing at once', async () => {
    const only = new FailoverBackend({ backends: [new JsonEspBackend({ apiUrl: primary.url, espName: 'Primary', ...RELAXED })] });
    opened.push(only);
    await message(only).send();
    primary.setRoute('*', { status: 503, body: 'blip' });
    await message(only).send().catch(() => undefined); // one failure: failing
    primary.setRoute('*', async () => {
      await sleep(100);
      return OK;
    });
    const { sent } = await burst(only);
    expect(sent).toBe(20);
    expect(primary.calls).toHaveLength(22);
  });

  it('with no other backend left and the trial hanging, the waiting callers fail as not sent, not unknown', async () => {
    const only = new FailoverBackend({
      backends: [new JsonEspBackend({ apiUrl: primary.url, espName: 'Primary', ...SHORT })],
    });
    opened.push(only);
    await message(only).send();
    primary.setRoute('*', { status: 503, body: 'blip' });
    await message(only).send().catch(() => undefined);
    primary.setRoute('*', { hang: true });
    const { sent, errors } = await burst(only);
    expect(sent).toBe(0);
    expect(primary.calls).toHaveLength(3); // one trial
    expect(errors.filter((e) => e.deliveryUnknown)).toHaveLength(1);
    expect(errors.filter((e) => e.code === 'ANYMAIL_ALL_BACKENDS_DOWN' && !e.deliveryUnknown)).toHaveLength(19);
  });

  it('refuses a maxInFlightWhileFailing that is not a positive integer', () => {
    for (const maxInFlightWhileFailing of [0, 1.5, -1, Number.NaN]) {
      expect(() => makeFailover({ maxInFlightWhileFailing })).toThrow(/maxInFlightWhileFailing/);
    }
  });
});
