import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnymailError, AnymailUnsupportedFeature } from '../errors.js';
import { EmailMessage } from '../message.js';
import { postSend, preSend } from '../signals.js';
import { AnymailCancelSend } from '../errors.js';
import type { FeatureName } from '../esp/esp-features.js';
import { FEATURE_SAMPLES } from './feature-samples.js';
import { describePipelineConformance } from './esp-conformance-pipeline.js';
import type { BaseEspBackend, BaseEspBackendOptions } from '../esp/base-esp-backend.js';
import { getClosedPort, startFakeEsp, type FakeEsp, type FakeEspCall, type FakeEspReply, type FakeEspRoute } from './fake-esp.js';

export { FEATURE_SAMPLES } from './feature-samples.js';

export type FeatureExpectation = 'unsupported' | ((call: FakeEspCall, message: EmailMessage) => void);

export interface EspConformanceOptions {
  espName: string;
  /** Make a backend pointed at the fake ESP's base URL. */
  createBackend(apiUrl: string, options?: BaseEspBackendOptions): BaseEspBackend;
  /** The route answering a successful send (may be a function of the call). */
  successRoute: FakeEspRoute;
  /** Key of the route ('METHOD /path' or '*'); default '*'. */
  routeKey?: string;
  /** For every feature: check the request, or 'unsupported' (a complete table: a missing feature is a compile error). */
  features: Record<FeatureName, FeatureExpectation>;
  /** The espExtra sample for the espExtra feature. */
  espExtraSample?: Record<string, unknown>;
  /** The templateId the samples use, for an ESP whose template ids have a format (Brevo, Mailjet: numbers). @default 'template-1' */
  templateIdSample?: string;
  /** Status every recipient gets from `successRoute`. @default 'queued' */
  successStatus?: string;
  /**
   * The credential values `createBackend` configures (API key, token, secret): none may appear
   * in an error's message, responseBody, String() or JSON, even when the ESP echoes the request.
   */
  secrets?: readonly string[];
  /** Extra setup of the base message (e.g. a templateId an ESP requires for merge data). */
  prepareFeature?: Partial<Record<FeatureName, (message: EmailMessage) => void>>;
}

/** The promise's value or rejection; 'still pending' when it has not settled within `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve('still pending'), ms)));
  try {
    return await Promise.race([promise.catch((error: unknown) => error), late]);
  } finally {
    clearTimeout(timer);
  }
}

function baseMessage(backend: BaseEspBackend): EmailMessage {
  return new EmailMessage({
    from: 'from@example.com',
    to: ['to1@example.com'],
    subject: 'Subject',
    body: 'Body',
    connection: backend,
  });
}

/** The suite every ESP package runs: features, statuses, error categories, signals. */
export function describeEspConformance(options: EspConformanceOptions): void {
  const routeKey = options.routeKey ?? '*';
  describe(`${options.espName} conformance`, () => {
    let esp: FakeEsp;
    let backend: BaseEspBackend;
    beforeAll(async () => {
      esp = await startFakeEsp({ [routeKey]: options.successRoute });
      backend = options.createBackend(esp.url, { timeoutMs: 2000 });
    });
    afterAll(async () => {
      await backend.close();
      await esp.close();
    });
    const reset = () => {
      esp.calls.length = 0;
      esp.setRoute(routeKey, options.successRoute);
    };

    describe('features', () => {
      for (const [feature, expectation] of Object.entries(options.features) as [FeatureName, FeatureExpectation][]) {
        const build = () => {
          const message = baseMessage(backend);
          options.prepareFeature?.[feature]?.(message);
          FEATURE_SAMPLES[feature](message);
          if (feature === 'espExtra') message.espExtra = options.espExtraSample ?? {};
          if (options.templateIdSample !== undefined && message.templateId !== undefined) message.templateId = options.templateIdSample;
          return message;
        };
        if (expectation === 'unsupported') {
          it(`raises AnymailUnsupportedFeature for ${feature}`, async () => {
            reset();
            const error = await build().send().catch((e: unknown) => e);
            expect(AnymailUnsupportedFeature.isInstance(error) || error instanceof AnymailUnsupportedFeature).toBe(true);
            expect((error as AnymailUnsupportedFeature).feature).toContain(feature);
            expect(esp.calls).toHaveLength(0);
          });
          it(`drops ${feature} with ignoreUnsupportedFeatures`, async () => {
            reset();
            const lenient = options.createBackend(esp.url, { ignoreUnsupportedFeatures: true });
            const message = build();
            message.connection = lenient;
            await expect(message.send()).resolves.toBe(1);
            await lenient.close();
            expect(esp.calls).toHaveLength(1);
          });
        } else {
          it(`sends ${feature}`, async () => {
            reset();
            const message = build();
            await expect(message.send()).resolves.toBe(1);
            expect(esp.calls).toHaveLength(1);
            expectation(esp.calls[0]!, message);
          });
        }
      }
    });

    describe('status', () => {
      it('sets anymailStatus with espName and a status per recipient', async () => {
        reset();
        const message = baseMessage(backend);
        message.to = ['one@example.com', 'Two <two@example.com>'];
        await message.send();
        const status = message.anymailStatus!;
        expect(status.espName).toBe(options.espName);
        expect(Object.keys(status.recipients).sort()).toEqual(['one@example.com', 'two@example.com']);
        expect([...status.status]).toEqual([options.successStatus ?? 'queued']);
      });
    });

    describe('error categories', () => {
      const cases: Array<[string, FakeEspReply, string, boolean]> = [
        ['HTTP 500', { status: 500, body: { message: 'boom' } }, 'server', false],
        ['HTTP 502 HTML', { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' }, 'server', false],
        ['HTTP 429', { status: 429, headers: { 'retry-after': '7' }, body: { message: 'slow down' } }, 'rate-limit', false],
        ['HTTP 401', { status: 401, body: { message: 'bad key' } }, 'auth', false],
        ['garbage 200 body', { status: 200, headers: { 'content-type': 'application/json' }, body: '{not json' }, 'server', true],
        ['hang', { hang: true }, 'timeout', true],
        ['reset after the body', { reset: true }, 'network', true],
      ];
      for (const [name, reply, category, deliveryUnknown] of cases) {
        it(`maps ${name} to ${category} (deliveryUnknown ${deliveryUnknown})`, async () => {
          reset();
          esp.setRoute(routeKey, reply);
          const quick = options.createBackend(esp.url, { timeoutMs: 300 });
          const error = await baseMessage(quick).send().catch((e: unknown) => e);
          await quick.close();
          expect(AnymailError.isInstance(error)).toBe(true);
          const anymailError = error as AnymailError;
          expect(anymailError.category).toBe(category);
          expect(anymailError.deliveryUnknown).toBe(deliveryUnknown);
          expect(anymailError.espName).toBe(options.espName);
          if (name === 'HTTP 429') expect(anymailError.retryAfterMs).toBe(7000);
        });
      }
      it('ends a response trickled forever at deadlineMs (timeout, deliveryUnknown), and close() does not hang', async () => {
        reset();
        esp.setRoute(routeKey, { trickleMs: 50 });
        const quick = options.createBackend(esp.url, { timeoutMs: 300, deadlineMs: 700 });
        const started = performance.now();
        const error = await settledWithin(baseMessage(quick).send(), 5000);
        expect(performance.now() - started).toBeLessThan(3000);
        expect(AnymailError.isInstance(error)).toBe(true);
        expect((error as AnymailError).category).toBe('timeout');
        expect((error as AnymailError).deliveryUnknown).toBe(true);
        expect((error as AnymailError).espName).toBe(options.espName);
        // A second request still trickling when close() is called: close() waits at most deadlineMs.
        const pending = baseMessage(quick).send().catch((e: unknown) => e);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await expect(settledWithin(quick.close().then(() => 'closed'), 3000)).resolves.toBe('closed');
        expect(((await settledWithin(pending, 2000)) as AnymailError).category).toBe('timeout');
      });
      it('maps a refused port to network without deliveryUnknown', async () => {
        const port = await getClosedPort();
        const dead = options.createBackend(`http://127.0.0.1:${port}/`, { timeoutMs: 500 });
        const error = await baseMessage(dead).send().catch((e: unknown) => e);
        await dead.close();
        expect((error as AnymailError).category).toBe('network');
        expect((error as AnymailError).deliveryUnknown).toBe(false);
      });
    });

    describe('secrets in errors', () => {
      const secrets = [...(options.secrets ?? []), 'conformance-url-password'];
      /** An ESP that echoes everything it was sent: headers, URL and body. */
      const echo =
        (status: number, contentType = 'application/json'): FakeEspRoute =>
        (call) => ({
          status,
          headers: { 'content-type': contentType },
          body: JSON.stringify({
            // Credential headers first, so the echo holds them even after truncation.
            message: `rejected ${call.method} ${call.url} with ${Object.entries(call.headers)
              .sort(([a], [b]) => Number(/auth|token|key|secret/i.test(b)) - Number(/auth|token|key|secret/i.test(a)))
              .map(([name, value]) => `${name}: ${value}`)
              .join(', ')}`,
            errors: [{ message: `headers were ${JSON.stringify(call.headers)}` }],
            echo: call.headers,
          }).slice(0, status === 200 ? -1 : undefined), // a 200 with a body that is not JSON
        });
      const expectNoSecret = (error: unknown) => {
        expect(AnymailError.isInstance(error)).toBe(true);
        const anymailError = error as AnymailError;
        const texts = [anymailError.message, anymailError.responseBody ?? '', String(error), JSON.stringify(error), anymailError.stack ?? ''];
        for (const secret of secrets) {
          for (const text of texts) expect(text).not.toContain(secret);
        }
      };
      for (const [name, status] of [['HTTP 401', 401], ['HTTP 400', 400], ['HTTP 500', 500], ['an unreadable 200', 200]] as const) {
        it(`keeps the configured credentials out of the error when the ESP echoes the request (${name})`, async () => {
          reset();
          esp.setRoute(routeKey, echo(status));
          const error = await baseMessage(backend).send().catch((e: unknown) => e);
          expect(esp.calls).toHaveLength(1);
          expectNoSecret(error);
          expect((error as AnymailError).statusCode).toBe(status);
        });
      }
      it('keeps the apiUrl userinfo out of a network error', async () => {
        const port = await getClosedPort();
        const dead = options.createBackend(`http://user:conformance-url-password@127.0.0.1:${port}/`, { timeoutMs: 500 });
        const error = await baseMessage(dead).send().catch((e: unknown) => e);
        await dead.close();
        expect((error as AnymailError).category).toBe('network');
        expectNoSecret(error);
      });
    });

    describePipelineConformance(options, { esp: () => esp, backend: () => backend, reset, routeKey });

    describe('signals', () => {
      it('runs preSend before the request and postSend after, with the status', async () => {
        reset();
        const seen: string[] = [];
        const before = () => void seen.push(`pre:${esp.calls.length}`);
        const after = ({ status }: { status: { espName?: string } }) => void seen.push(`post:${esp.calls.length}:${status.espName}`);
        preSend.connect(before);
        postSend.connect(after);
        try {
          await baseMessage(backend).send();
        } finally {
          preSend.disconnect(before);
          postSend.disconnect(after);
        }
        expect(seen).toEqual(['pre:0', `post:1:${options.espName}`]);
      });
      it('skips a message cancelled in preSend without an error or a request', async () => {
        reset();
        const cancel = () => {
          throw new AnymailCancelSend();
        };
        preSend.connect(cancel);
        try {
          await expect(baseMessage(backend).send()).resolves.toBe(0);
        } finally {
          preSend.disconnect(cancel);
        }
        expect(esp.calls).toHaveLength(0);
      });
    });
  });
}
