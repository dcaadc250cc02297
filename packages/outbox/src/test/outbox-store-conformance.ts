/**
 * One storage conformance suite for every database the outbox supports: run it against a
 * real SQLite file and a real PostgreSQL (see packages/outbox/test/).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { createOutbox, type Outbox } from '../outbox.js';
import type { OutboxSettings } from '../outbox-settings.js';
import { ScriptedBackend } from './scripted-backend.js';
import { deliveryCases } from './conformance-delivery.js';
import { enqueueCases } from './conformance-enqueue.js';
import { espOptionsCases } from './conformance-esp-options.js';
import { featureCases } from './conformance-features.js';
import { headerSafetyCases } from './conformance-header-safety.js';
import { messageCases } from './conformance-message.js';
import { templateCases } from './conformance-templates.js';

export interface OutboxStoreFixture {
  /** Shown in the describe title, e.g. 'SQLite file'. */
  name: string;
  /** Create an empty store; resolves to the settings that reach it (database, schema). */
  setup(): Promise<Pick<OutboxSettings, 'database' | 'schema'>>;
  /** Drop the store. */
  teardown(): Promise<void>;
}

export interface ConformanceContext {
  /** A new outbox on the store, with a fresh ScriptedBackend as `default` unless overridden. */
  make(settings?: Partial<OutboxSettings>): Promise<{ outbox: Outbox; backend: ScriptedBackend }>;
}

export function describeOutboxStoreConformance(fixture: OutboxStoreFixture): void {
  describe(`outbox store conformance: ${fixture.name}`, () => {
    let store: Pick<OutboxSettings, 'database' | 'schema'>;
    const open: Outbox[] = [];
    let admin: Outbox;

    const context: ConformanceContext = {
      async make(settings = {}) {
        const backend = new ScriptedBackend();
        const outbox = await createOutbox({ ...store, backends: { default: backend }, ...settings });
        open.push(outbox);
        return { outbox, backend };
      },
    };

    beforeAll(async () => {
      store = await fixture.setup();
      admin = (await context.make()).outbox;
      open.splice(0);
      await admin.migrate();
    });

    // Each test's outboxes close after it, so a long suite holds few database connections.
    afterEach(async () => {
      for (const outbox of open.splice(0)) await outbox.close();
    });

    beforeEach(async () => {
      for (const table of ['outbox_email_attachment', 'outbox_log', 'outbox_attachment', 'outbox_email', 'outbox_template'] as const) {
        await admin.db.deleteFrom(table).execute();
      }
    });

    afterAll(async () => {
      for (const outbox of open.splice(0)) await outbox.close();
      await admin.close();
      await fixture.teardown();
    });

    enqueueCases(context);
    headerSafetyCases(context);
    deliveryCases(context);
    featureCases(context);
    espOptionsCases(context);
    messageCases(context);
    templateCases(context);
  });
}
