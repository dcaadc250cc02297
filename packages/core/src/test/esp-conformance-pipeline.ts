// The part of the ESP conformance suite about the shared send pipeline: declared feature support,
// sendDefaults, combined sends, and statuses and failSilently after failures.
import { describe, expect, it } from 'vitest';
import { AnymailError } from '../errors.js';
import type { FeatureName } from '../esp/esp-features.js';
import type { BaseEspBackend } from '../esp/base-esp-backend.js';
import { EmailMessage } from '../message.js';
import type { SendDefaults } from '../message-defaults.js';
import type { FakeEsp } from './fake-esp.js';
import { FEATURE_SAMPLES } from './feature-samples.js';
import type { EspConformanceOptions } from './esp-conformance.js';

/** Features a backend's sendDefaults can carry, with the message field each one is. */
const DEFAULTABLE: Partial<Record<FeatureName, keyof SendDefaults>> = {
  from: 'from',
  to: 'to',
  cc: 'cc',
  bcc: 'bcc',
  replyTo: 'replyTo',
  subject: 'subject',
  headers: 'headers',
  metadata: 'metadata',
  tags: 'tags',
  trackClicks: 'trackClicks',
  trackOpens: 'trackOpens',
};

export interface PipelineConformanceContext {
  esp(): FakeEsp;
  backend(): BaseEspBackend;
  reset(): void;
  routeKey: string;
}

function plainMessage(connection?: BaseEspBackend): EmailMessage {
  return new EmailMessage({ from: 'from@example.com', to: ['to1@example.com'], subject: 'Subject', body: 'Body', connection });
}

export function describePipelineConformance(options: EspConformanceOptions, context: PipelineConformanceContext): void {
  describe('declared feature support', () => {
    it('supportsFeature() answers for every feature (FailoverBackend reads it), from the declared table', () => {
      const backend = context.backend();
      const undeclared = (Object.keys(options.features) as FeatureName[]).filter((f) => backend.supportsFeature(f) === undefined);
      expect(undeclared).toEqual([]);
    });

    it('supportsFeature() says unsupported exactly for the features the backend refuses', () => {
      const backend = context.backend();
      const declared = (Object.keys(options.features) as FeatureName[]).filter((f) => backend.supportsFeature(f) !== undefined);
      const mismatched = declared.filter((f) => (backend.supportsFeature(f) === false) !== (options.features[f] === 'unsupported'));
      expect(mismatched).toEqual([]);
    });
  });

  describe('sendDefaults', () => {
    for (const [feature, field] of Object.entries(DEFAULTABLE) as [FeatureName, keyof SendDefaults][]) {
      const expectation = options.features[feature];
      if (expectation === 'unsupported' || options.prepareFeature?.[feature]) continue;
      it(`applies sendDefaults.${field}, without changing the caller's message`, async () => {
        context.reset();
        const sample = new EmailMessage();
        FEATURE_SAMPLES[feature](sample);
        const defaults = { [field]: sample[field as keyof EmailMessage] } as SendDefaults;
        const backend = options.createBackend(context.esp().url, { sendDefaults: defaults });
        const message = plainMessage(backend);
        if (field === 'from') message.from = undefined;
        if (field === 'subject') message.subject = '';
        if (field === 'to') message.to = [];
        const before = { from: message.from, to: [...message.to], subject: message.subject, headers: { ...message.headers } };
        const fieldBefore = JSON.stringify(message[field as keyof EmailMessage]);
        try {
          await expect(message.send()).resolves.toBe(1);
        } finally {
          await backend.close();
        }
        expect(context.esp().calls).toHaveLength(1);
        expectation(context.esp().calls[0]!, message);
        expect({ from: message.from, to: message.to, subject: message.subject, headers: message.headers }).toEqual(before);
        expect(JSON.stringify(message[field as keyof EmailMessage])).toBe(fieldBefore);
      });
    }
  });

  describe('sendMessages of several messages', () => {
    it('sends each (combined where the ESP has a batch endpoint), with a status per message in order', async () => {
      context.reset();
      const backend = context.backend();
      const messages = ['a@example.com', 'b@example.com', 'c@example.com'].map((to) => {
        const message = plainMessage();
        message.to = [to];
        return message;
      });
      await expect(backend.sendMessages(messages)).resolves.toBe(3);
      expect(context.esp().calls.length).toBeGreaterThanOrEqual(1);
      expect(context.esp().calls.length).toBeLessThanOrEqual(3);
      messages.forEach((message, i) => {
        expect(Object.keys(message.anymailStatus!.recipients)).toEqual([['a', 'b', 'c'][i] + '@example.com']);
        expect(message.anymailStatus!.espName).toBe(options.espName);
      });
      const results = await backend.sendResults(messages);
      expect(results.map((r) => [r.outcome, r.message, r.espName])).toEqual(messages.map((m) => ['sent', m, options.espName]));
    });
  });

  describe('status and failSilently after a failed send', () => {
    const failing = () => context.esp().setRoute(context.routeKey, { status: 500, body: { message: 'down' } });

    it('raises, and leaves a failed status naming the ESP', async () => {
      context.reset();
      failing();
      const message = plainMessage(context.backend());
      await expect(message.send()).rejects.toSatisfy((error: unknown) => AnymailError.isInstance(error));
      expect([...message.anymailStatus!.status]).toEqual(['failed']);
      expect(message.anymailStatus!.espName).toBe(options.espName);
    });

    it('with failSilently counts failed messages as not sent, each with a failed status', async () => {
      context.reset();
      failing();
      const quiet = options.createBackend(context.esp().url, { failSilently: true });
      const messages = [plainMessage(), plainMessage()];
      try {
        await expect(quiet.sendMessages(messages)).resolves.toBe(0);
      } finally {
        await quiet.close();
      }
      for (const message of messages) expect([...message.anymailStatus!.status]).toEqual(['failed']);
    });

    it('sendResults reports each failure as a value, and a later success replaces the failed status', async () => {
      context.reset();
      failing();
      const message = plainMessage();
      const [failed] = await context.backend().sendResults([message]);
      expect(failed!.outcome).toBe('failed');
      expect(AnymailError.isInstance(failed!.error) && failed!.error.category).toBe('server');
      context.reset();
      const [sent] = await context.backend().sendResults([message]);
      expect(sent!.outcome).toBe('sent');
      expect([...message.anymailStatus!.status]).toEqual([options.successStatus ?? 'queued']);
    });
  });
}
