/**
 * The shared replay caches against the real PostgreSQL (127.0.0.1:5432) and Redis (6379): two
 * webhook handlers (two app instances behind a load balancer) share one store, so a request
 * processed by one is acknowledged by the other without being delivered again.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresReplayCache } from '@anymail/core/replay-cache/postgres';
import { RedisReplayCache } from '@anymail/core/replay-cache/redis';
import { importOptionalPeer } from '../src/replay-cache/optional-peer.js';
import {
  AnymailConfigurationError,
  SignedWebhook,
  createTrackingEvent,
  createTrackingWebhook,
  type ReplayCache,
} from '../src/index.js';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';
const suffix = randomUUID().replace(/-/g, '').slice(0, 12);

/** A signed test webhook: header x-sig must be "ok", x-ts the signing time (s), x-nonce the nonce. */
function instance(replayCache: ReplayCache, now: () => number = Date.now) {
  const signed = new SignedWebhook<string>({ espName: 'Test', esp: 'test', keys: ['k'], defaultToleranceSeconds: 300, replayCache, now });
  const delivered: string[] = [];
  let failNext = false;
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
    onEvent: (event) => {
      if (failNext) {
        failNext = false;
        throw new Error('receiver down');
      }
      delivered.push(event.eventId!);
    },
  });
  return { hook, delivered, failOnce: () => void (failNext = true) };
}

const post = (hook: ReturnType<typeof instance>['hook'], nonce: string, ts = Math.floor(Date.now() / 1000)) =>
  hook.handle({ method: 'POST', body: JSON.stringify([nonce]), headers: { 'content-type': 'application/json', 'x-sig': 'ok', 'x-ts': String(ts), 'x-nonce': nonce } });

function sharedStoreSuite(name: string, makeStore: () => ReplayCache & { close?(): Promise<void> }) {
  describe(`${name}: two handler instances sharing one store`, () => {
    let store: ReplayCache & { close?(): Promise<void> };
    beforeAll(() => void (store = makeStore()));
    afterAll(async () => store.close?.());

    it('acknowledges at the second instance a request the first processed, delivering it once', async () => {
      const a = instance(store);
      const b = instance(store);
      const nonce = `n-${randomUUID()}`;
      expect((await post(a.hook, nonce)).status).toBe(200);
      const again = await post(b.hook, nonce);
      expect([again.status, again.body]).toEqual([200, expect.stringMatching(/already processed/)]);
      expect([a.delivered, b.delivered]).toEqual([[nonce], []]);
    });

    it('releases the claim when a receiver fails, so the retry at the other instance is processed once', async () => {
      const a = instance(store);
      const b = instance(store);
      const nonce = `n-${randomUUID()}`;
      a.failOnce();
      expect((await post(a.hook, nonce)).status).toBe(500);
      expect((await post(b.hook, nonce)).status).toBe(200);
      expect((await post(a.hook, nonce)).status).toBe(200);
      expect([a.delivered, b.delivered]).toEqual([[], [nonce]]);
    });

    it('gives a key to exactly one of many concurrent claims; the others see it in progress', async () => {
      const key = `race-${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => store.claim(key, Date.now() + 60_000)));
      expect(results.filter((result) => result === 'claimed')).toHaveLength(1);
      expect(results.filter((result) => result === 'in-progress')).toHaveLength(19);
    });

    it('keeps a key in progress, then done once completed, and forgets it when released', async () => {
      const key = `states-${randomUUID()}`;
      const expiresAt = Date.now() + 60_000;
      expect(await store.claim(key, expiresAt)).toBe('claimed');
      expect(await store.claim(key, expiresAt)).toBe('in-progress');
      await store.complete!(key, expiresAt);
      expect(await store.claim(key, expiresAt)).toBe('done');
      await store.release(key);
      expect(await store.claim(key, expiresAt)).toBe('claimed');
    });

    it('accepts a key again once its window has closed, in progress or done', async () => {
      const key = `expiring-${randomUUID()}`;
      expect(await store.claim(key, Date.now() + 150)).toBe('claimed');
      expect(await store.claim(key, Date.now() + 150)).toBe('in-progress');
      const doneKey = `expiring-done-${randomUUID()}`;
      const doneExpiry = Date.now() + 150;
      expect(await store.claim(doneKey, doneExpiry)).toBe('claimed');
      await store.complete!(doneKey, doneExpiry);
      expect(await store.claim(doneKey, doneExpiry)).toBe('done');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await store.claim(key, Date.now() + 60_000)).toBe('claimed');
      expect(await store.claim(doneKey, Date.now() + 60_000)).toBe('claimed');
    });
  });
}

describe('PostgresReplayCache', () => {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  const table = `anymail_replay_test_${suffix}`;
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_url`);
    await pool.end();
  });
  sharedStoreSuite('PostgreSQL (a pg Pool, table created on demand)', () => new PostgresReplayCache({ pool, tableName: table }));
  sharedStoreSuite('PostgreSQL (connectionString)', () => new PostgresReplayCache({ connectionString: POSTGRES_URL, tableName: `${table}_url` }));

  it('two caches creating the table at once both work', async () => {
    const tableName = `${table}_race`;
    try {
      const caches = [new PostgresReplayCache({ pool, tableName }), new PostgresReplayCache({ pool, tableName })];
      const claimed = await Promise.all(caches.map((cache) => cache.claim('same', Date.now() + 60_000)));
      expect(claimed.sort()).toEqual(['claimed', 'in-progress']);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${tableName}`);
    }
  });
  it('upgrades a table created by 0.1 (no done column): its rows read as in progress, new claims complete', async () => {
    const tableName = `${table}_v01`;
    try {
      await pool.query(`CREATE TABLE ${tableName} (key text PRIMARY KEY, expires_at bigint NOT NULL)`);
      await pool.query(`INSERT INTO ${tableName} (key, expires_at) VALUES ('old', $1)`, [Date.now() + 60_000]);
      const caches = [new PostgresReplayCache({ pool, tableName }), new PostgresReplayCache({ pool, tableName })];
      expect(await Promise.all(caches.map((cache) => cache.claim('old', Date.now() + 60_000)))).toEqual(['in-progress', 'in-progress']);
      const expiresAt = Date.now() + 60_000;
      expect(await caches[0]!.claim('new', expiresAt)).toBe('claimed');
      await caches[0]!.complete('new');
      expect(await caches[1]!.claim('new', expiresAt)).toBe('done');
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${tableName}`);
    }
  });
  it('refuses a table name that is not a plain identifier, and a missing pool', () => {
    expect(() => new PostgresReplayCache({ pool, tableName: 'x; DROP TABLE y' })).toThrow(AnymailConfigurationError);
    expect(() => new PostgresReplayCache({})).toThrow(/exactly one of pool/);
  });
});

describe('RedisReplayCache', () => {
  const client = createClient({ url: REDIS_URL });
  const prefix = `anymail-test:${suffix}:`;
  beforeAll(async () => void (await client.connect()));
  afterAll(async () => {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await client.del(keys);
    await client.quit();
  });
  sharedStoreSuite('Redis (a node-redis client)', () => new RedisReplayCache({ client, keyPrefix: prefix }));
  sharedStoreSuite('Redis (url)', () => new RedisReplayCache({ url: REDIS_URL, keyPrefix: prefix }));

  it('lets Redis expire the key at the end of its window, in progress and once done', async () => {
    const cache = new RedisReplayCache({ client, keyPrefix: prefix });
    const expiresAt = Date.now() + 60_000;
    expect(await cache.claim('ttl', expiresAt)).toBe('claimed');
    for (const state of ['p', 'd']) {
      expect(await client.get(`${prefix}ttl`)).toBe(state);
      const ttl = await client.pTTL(`${prefix}ttl`);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await cache.complete('ttl', expiresAt);
    }
  });
  it('reads a key written by 0.1 as in progress, and never revives a released key on complete', async () => {
    const cache = new RedisReplayCache({ client, keyPrefix: prefix });
    await client.set(`${prefix}legacy`, '1', { PX: 60_000 });
    expect(await cache.claim('legacy', Date.now() + 60_000)).toBe('in-progress');
    expect(await cache.claim('gone', Date.now() + 60_000)).toBe('claimed');
    await cache.release('gone');
    await cache.complete('gone', Date.now() + 60_000);
    expect(await client.exists(`${prefix}gone`)).toBe(0);
  });
});

describe('optional peers', () => {
  it('names the missing package and both fixes', async () => {
    await expect(importOptionalPeer('anymail-no-such-package', 'RedisReplayCache with a url')).rejects.toThrow(
      /RedisReplayCache with a url needs the package "anymail-no-such-package".*npm install anymail-no-such-package.*client instance/,
    );
  });
});
