/**
 * ESPs redeliver a signed webhook with the same id when our 2xx got lost (timeouts, deploys). A
 * duplicate of a request we processed is acknowledged (2xx) and delivers nothing again; one that
 * arrives while the first is still being processed is answered 503 with Retry-After, so the ESP
 * retries; when the first fails its claim is released and the redelivery is processed. Each case
 * runs over real HTTP (node:http on 127.0.0.1) against the in-memory cache, a real PostgreSQL and
 * a real Redis.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresReplayCache } from '@anymail/core/replay-cache/postgres';
import { RedisReplayCache } from '@anymail/core/replay-cache/redis';
import { MemoryReplayCache, SignedWebhook, createTrackingEvent, createTrackingWebhook, type ReplayCache } from '../src/index.js';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';
const suffix = randomUUID().replace(/-/g, '').slice(0, 12);

/** A signed test webhook (header x-sig "ok", x-ts the signing time in s, x-nonce the ESP's id) served by node:http. */
async function serve(replayCache: ReplayCache) {
  const signed = new SignedWebhook<string>({ espName: 'Test', esp: 'test', keys: ['k'], defaultToleranceSeconds: 300, replayCache });
  const delivered: string[] = [];
  let gate: Promise<void> | undefined;
  let failures = 0;
  let entered: () => void = () => undefined;
  const hook = createTrackingWebhook<string[]>({
    espName: 'Test',
    esp: 'test',
    env: {},
    verify: (_ids, request) =>
      signed.verify(request, {
        signatureValid: () => request.headers.get('x-sig') === 'ok',
        timestampMs: Number(request.headers.get('x-ts')) * 1000,
        claimKey: request.headers.get('x-nonce') ?? '',
        invalidMessage: 'bad signature',
      }),
    parseEvents: (ids) => ids.map((id) => createTrackingEvent({ espName: 'Test', espEvent: {}, eventType: 'delivered', eventId: id })),
    onEvent: async (event) => {
      entered();
      if (gate) await gate;
      if (failures > 0) {
        failures--;
        throw new Error('receiver down');
      }
      delivered.push(event.eventId!);
    },
  });
  const server: Server = createServer((req, res) => void hook.node(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const ts = String(Math.floor(Date.now() / 1000));
  const post = (nonce: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sig': 'ok', 'x-ts': ts, 'x-nonce': nonce }, body: JSON.stringify([nonce]) });
  return {
    delivered,
    post,
    failNext: () => void (failures = 1),
    /** Hold every receiver until the returned function is called; `running` resolves once one is inside. */
    hold() {
      let open: () => void = () => undefined;
      gate = new Promise<void>((resolve) => (open = resolve));
      const running = new Promise<void>((resolve) => (entered = resolve));
      return {
        running,
        release: () => {
          gate = undefined;
          open();
        },
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function duplicateSuite(name: string, makeStore: () => ReplayCache & { close?(): Promise<void> }) {
  describe(`${name}: redelivered webhooks`, () => {
    let store: ReplayCache & { close?(): Promise<void> };
    let app: Awaited<ReturnType<typeof serve>>;
    beforeAll(async () => {
      store = makeStore();
      app = await serve(store);
    });
    afterAll(async () => {
      await app.close();
      await store.close?.();
    });

    it('acknowledges (200) a duplicate of a processed request and delivers it once', async () => {
      const nonce = `n-${randomUUID()}`;
      expect((await app.post(nonce)).status).toBe(200);
      const again = await app.post(nonce);
      expect([again.status, await again.text()]).toEqual([200, expect.stringMatching(/already processed/)]);
      expect(app.delivered.filter((id) => id === nonce)).toEqual([nonce]);
    });

    it('answers 503 with Retry-After to a duplicate that arrives while the first is still processed, then 200', async () => {
      const nonce = `n-${randomUUID()}`;
      const held = app.hold();
      const first = app.post(nonce);
      await held.running;
      const concurrent = await app.post(nonce);
      expect([concurrent.status, concurrent.headers.get('retry-after'), await concurrent.text()]).toEqual([
        503,
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/still being processed/),
      ]);
      held.release();
      expect((await first).status).toBe(200);
      expect((await app.post(nonce)).status).toBe(200);
      expect(app.delivered.filter((id) => id === nonce)).toEqual([nonce]);
    });

    it('answers 503 to a duplicate while the first is running, and processes the redelivery once the first fails', async () => {
      const nonce = `n-${randomUUID()}`;
      const held = app.hold();
      app.failNext();
      const first = app.post(nonce);
      await held.running;
      expect((await app.post(nonce)).status).toBe(503);
      held.release();
      expect((await first).status).toBe(500);
      expect(app.delivered.filter((id) => id === nonce)).toEqual([]);
      const retry = await app.post(nonce);
      expect([retry.status, await retry.text()]).toEqual([200, 'OK']);
      expect((await app.post(nonce)).status).toBe(200);
      expect(app.delivered.filter((id) => id === nonce)).toEqual([nonce]);
    });
  });
}

duplicateSuite('MemoryReplayCache', () => new MemoryReplayCache());

describe('PostgresReplayCache', () => {
  const table = `anymail_dupes_test_${suffix}`;
  afterAll(async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });
  duplicateSuite('PostgreSQL', () => new PostgresReplayCache({ connectionString: POSTGRES_URL, tableName: table }));
});

describe('RedisReplayCache', () => {
  const prefix = `anymail-dupes-test:${suffix}:`;
  afterAll(async () => {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await client.del(keys);
    await client.quit();
  });
  duplicateSuite('Redis', () => new RedisReplayCache({ url: REDIS_URL, keyPrefix: prefix }));
});
