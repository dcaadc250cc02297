import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnymailError } from '../errors.js';
import { MemoryReplayCache, type ReplayCache } from '../tracking/replay-cache.js';
import type { WebhookHandler } from '../tracking/webhook-pipeline.js';

/** What the suite needs of a delivered event (tracking and inbound events both have it). */
export interface ConformanceEvent {
  espName: string;
}

/** One request as the ESP would post it. */
export interface ConformanceWebhookRequest {
  body: string | Uint8Array;
  headers: Record<string, string>;
}

/** What the suite hands `create`: its own receiver, replay cache, clock and body cap. */
export interface ConformanceWebhookSetup {
  onEvent: (event: ConformanceEvent) => unknown;
  replayCache: ReplayCache;
  now: () => number;
  maxBodyBytes?: number;
}

export interface WebhookConformanceOptions {
  espName: string;
  /** Build the ESP's tracking (or inbound) webhook with the suite's options (plus the ESP's keys or credentials). */
  create(setup: ConformanceWebhookSetup): WebhookHandler<ConformanceEvent>;
  /** An authentic request signed at `at` (ms since epoch), with a nonce no earlier call used. */
  authentic(at: number): ConformanceWebhookRequest | Promise<ConformanceWebhookRequest>;
  /** Forgeries made from an authentic request: altered body, wrong signature or credentials, … */
  forgeries(request: ConformanceWebhookRequest): ConformanceWebhookRequest[];
  /** Status a forgery gets. @default 400 (basic-auth-only ESPs: 401) */
  forgedStatus?: number;
  /**
   * The ESP's signature window in seconds: the suite checks that a request signed just outside it is
   * refused. Leave out for ESPs that sign no timestamp (Postmark): then the stale and replay cases are skipped.
   */
  toleranceSeconds?: number;
  /** A media type the ESP never posts. @default 'application/xml' */
  wrongContentType?: string;
  /** A clock time the authentic requests are fresh at. @default the real time when the suite runs */
  at?: number;
}

const text = (body: string | Uint8Array) => (typeof body === 'string' ? body : new TextDecoder().decode(body));

/**
 * The webhook conformance suite every ESP package runs: authentic → 200; forged, stale, malformed
 * → 4xx and nothing delivered; a redelivery (same signed id) of a processed request → 200 and
 * nothing delivered again, of one still being processed → 503 with Retry-After; oversized → 413
 * (handle, fetch with a streamed body, node); wrong content type → 415; HEAD/OPTIONS/GET; a
 * receiver error → 500 with the replay claim released; node() resolves when the client resets mid-body.
 */
export function describeWebhookConformance(options: WebhookConformanceOptions): void {
  const forgedStatus = options.forgedStatus ?? 400;
  const signed = options.toleranceSeconds !== undefined;

  function setup(extra: Partial<ConformanceWebhookSetup> = {}) {
    const delivered: ConformanceEvent[] = [];
    const at = options.at ?? Date.now();
    let failures = 0;
    let hold: { gate: Promise<void>; entered: () => void } | undefined;
    const now = () => at;
    const webhook = options.create({
      onEvent: async (event) => {
        if (hold) {
          hold.entered();
          await hold.gate;
        }
        if (failures > 0) {
          failures--;
          throw new Error('receiver down');
        }
        delivered.push(event);
      },
      replayCache: new MemoryReplayCache({ now }),
      now,
      ...extra,
    });
    const post = (request: ConformanceWebhookRequest, method = 'POST') => webhook.handle({ method, ...request });
    /** Hold the receivers until `release()`; `running` resolves once one is inside. */
    function holdReceivers() {
      let release: () => void = () => undefined;
      let entered: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const running = new Promise<void>((resolve) => (entered = resolve));
      hold = { gate, entered };
      return {
        running,
        release: () => {
          hold = undefined;
          release();
        },
      };
    }
    return { webhook, delivered, at, post, failNext: (count = 1) => void (failures = count), holdReceivers };
  }

  describe(`${options.espName} webhook conformance`, () => {
    it('accepts an authentic request (200) and delivers its events', async () => {
      const { post, delivered, at } = setup();
      const answer = await post(await options.authentic(at));
      expect([answer.status, delivered.length > 0]).toEqual([200, true]);
      expect(delivered.every((event) => event.espName === options.espName)).toBe(true);
    });

    it(`refuses forgeries (${forgedStatus}) and delivers nothing`, async () => {
      const { post, delivered, at, webhook } = setup();
      const forgeries = options.forgeries(await options.authentic(at));
      expect(forgeries.length).toBeGreaterThan(0);
      for (const forged of forgeries) {
        expect((await post(forged)).status, text(forged.body).slice(0, 80)).toBe(forgedStatus);
        await expect(webhook.parse(forged)).rejects.toSatisfy((e) => AnymailError.isInstance(e) && e.code === 'ANYMAIL_WEBHOOK_VALIDATION_FAILURE');
      }
      expect(delivered).toEqual([]);
    });

    it('refuses a malformed body (400) and delivers nothing', async () => {
      const { post, delivered, at } = setup();
      const request = await options.authentic(at);
      for (const body of ['{"truncated": ', '', 'null']) {
        expect((await post({ ...request, body })).status, body).toBe(400);
      }
      expect(delivered).toEqual([]);
    });

    it.skipIf(!signed)('refuses a request signed outside the window (400)', async () => {
      const { post, delivered, at } = setup();
      const stale = await options.authentic(at - (options.toleranceSeconds! + 60) * 1000);
      expect((await post(stale)).status).toBe(400);
      const future = await options.authentic(at + (options.toleranceSeconds! + 60) * 1000);
      expect((await post(future)).status).toBe(400);
      expect(delivered).toEqual([]);
    });

    it.skipIf(!signed)('acknowledges a redelivery of a processed request (200) and delivers it once', async () => {
      const { post, delivered, at } = setup();
      const request = await options.authentic(at);
      expect((await post(request)).status).toBe(200);
      const count = delivered.length;
      const again = await post(request);
      expect([again.status, again.body]).toEqual([200, expect.stringMatching(/already processed/)]);
      expect(delivered.length).toBe(count);
    });

    it.skipIf(!signed)('answers 503 with Retry-After to a redelivery while the first is still processed, delivering once', async () => {
      const { post, delivered, at, holdReceivers } = setup();
      const request = await options.authentic(at);
      const held = holdReceivers();
      const first = post(request);
      await held.running;
      const concurrent = await post(request);
      expect([concurrent.status, concurrent.headers?.['Retry-After']]).toEqual([503, expect.stringMatching(/^\d+$/)]);
      held.release();
      expect((await first).status).toBe(200);
      const count = delivered.length;
      expect((await post(request)).status).toBe(200);
      expect(delivered.length).toBe(count);
    });

    it('answers 500 when a receiver throws, and accepts the ESP\'s retry (replay claim released)', async () => {
      const { post, delivered, at, failNext } = setup();
      const request = await options.authentic(at);
      failNext();
      expect((await post(request)).status).toBe(500);
      expect(delivered).toEqual([]);
      expect((await post(request)).status).toBe(200);
      const count = delivered.length;
      expect(count).toBeGreaterThan(0);
      if (signed) {
        expect((await post(request)).status).toBe(200);
        expect(delivered.length).toBe(count);
      }
    });

    it('refuses a wrong content type (415) and delivers nothing', async () => {
      const { post, delivered, at } = setup();
      const request = await options.authentic(at);
      const headers = { ...request.headers };
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
      const answer = await post({ body: request.body, headers: { ...headers, 'Content-Type': options.wrongContentType ?? 'application/xml' } });
      expect(answer.status).toBe(415);
      expect(delivered).toEqual([]);
    });

    it('answers HEAD 200, OPTIONS 204 (with Allow) and GET 405, delivering nothing', async () => {
      const { post, delivered, at, webhook } = setup();
      const request = await options.authentic(at);
      expect((await post({ body: '', headers: request.headers }, 'HEAD')).status).toBe(200);
      const options204 = await post({ body: '', headers: request.headers }, 'OPTIONS');
      expect([options204.status, options204.headers?.Allow]).toEqual([204, 'POST, HEAD, OPTIONS']);
      expect((await post(request, 'GET')).status).toBe(405);
      const head = await webhook.fetch(new Request('http://localhost/hook', { method: 'HEAD' }));
      expect([head.status, await head.text()]).toEqual([200, '']);
      expect(delivered).toEqual([]);
    });

    describe('size cap (maxBodyBytes)', () => {
      const cap = 1024;
      it('answers 413 to a body over the cap (handle, and fetch with a streamed body of unknown length)', async () => {
        const { post, webhook, delivered, at } = setup({ maxBodyBytes: cap });
        const request = await options.authentic(at);
        const big = `${' '.repeat(cap)}${text(request.body)}`;
        expect((await post({ ...request, body: big })).status).toBe(413);
        let pulled = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled++;
            controller.enqueue(new Uint8Array(512).fill(0x20));
            if (pulled > 10_000) controller.close();
          },
        });
        const answer = await webhook.fetch(
          new Request('http://localhost/hook', { method: 'POST', headers: request.headers, body: stream, duplex: 'half' } as RequestInit),
        );
        expect(answer.status).toBe(413);
        expect(pulled).toBeLessThan(20);
        expect(delivered).toEqual([]);
      });
    });

    describe('node(req, res) on a real server', () => {
      let server: Server;
      let url: string;
      const pending: Promise<void>[] = [];
      let context: ReturnType<typeof setup>;
      beforeAll(async () => {
        context = setup({ maxBodyBytes: 64 * 1024 });
        server = createServer((req, res) => {
          pending.push(context.webhook.node(req, res));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      });
      afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

      it('answers an authentic request 200, and 413 to a declared Content-Length over the cap', async () => {
        const request = await options.authentic(context.at);
        const ok = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
        expect(ok.status).toBe(200);
        const big = await fetch(url, { method: 'POST', headers: request.headers, body: new Uint8Array(64 * 1024 + 1).fill(0x20) });
        expect(big.status).toBe(413);
      });

      it('resolves (never rejects) when the client resets mid-body', async () => {
        const request = await options.authentic(context.at);
        const before = pending.length;
        await new Promise<void>((resolve) => {
          const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => {
            const head = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
            socket.write(`POST /hook HTTP/1.1\r\nHost: localhost\r\n${head}Content-Length: 50000\r\n\r\n${text(request.body).slice(0, 10)}`, () =>
              setTimeout(() => {
                socket.resetAndDestroy();
                resolve();
              }, 50),
            );
          });
          socket.on('error', () => undefined);
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(pending.length).toBe(before + 1);
        await expect(pending[before]).resolves.toBeUndefined();
      });
    });
  });
}
