/** Credentials a message carries never sit in the outbox's tables or logs in clear. */
import { afterAll, describe, expect, it } from 'vitest';
import { EmailMessage } from '@anymail/core';
import { startFakeEsp } from '@anymail/core/test';
import { PostmarkBackend } from '@anymail/postmark';
import { createOutbox, OutboxEmailBackend, OutboxInvalidEmail } from '../src/index.js';
import { testStores } from './support/postgres-store.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const TOKEN = 'TENANT-2-SERVER-TOKEN';
const stores = testStores('secrets', cleanups);

describe.each(stores)('secrets in queued mail: %s', (_name, makeStore) => {
  it('refuses a per-message credential without secretKey; with one, stores it sealed and delivers it', async () => {
    const tokens: string[] = [];
    const esp = await startFakeEsp({
      'POST /email': (call) => {
        tokens.push(String(call.headers['x-postmark-server-token']));
        return { status: 200, body: { To: 'a@example.com', SubmittedAt: '2026-12-04T10:00:00Z', MessageID: 'pm-1', ErrorCode: 0, Message: 'OK' } };
      },
    });
    cleanups.push(() => esp.close());
    const store = makeStore();
    const backend = new PostmarkBackend({ serverToken: 'default-token', apiUrl: esp.url });
    const plain = await createOutbox({ ...store, backends: { default: backend }, autoMigrate: true });
    cleanups.push(() => plain.close());
    await plain.migrate();
    const message = () => new EmailMessage({ from: 'f@example.com', to: 'a@example.com', subject: 's', body: 'b', espExtra: { serverToken: TOKEN } });
    await expect(new OutboxEmailBackend({ outbox: plain }).sendMessages([message()])).rejects.toThrow(OutboxInvalidEmail);
    await expect(new OutboxEmailBackend({ outbox: plain }).sendMessages([message()])).rejects.toThrow(/espExtra\.serverToken looks like a credential/);

    const sealed = await createOutbox({ ...store, backends: { default: backend }, secretKey: 'a long random test key, not a real one' });
    cleanups.push(() => sealed.close());
    expect(await new OutboxEmailBackend({ outbox: sealed }).sendMessages([message()])).toBe(1);
    const rows = await sealed.db.selectFrom('outbox_email').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(TOKEN);
    expect(await sealed.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    expect(tokens).toEqual([TOKEN]);
  });

  it('cuts credentials an ESP echoes in an error body out of the log', async () => {
    const esp = await startFakeEsp({
      'POST /email': () => ({ status: 422, body: { ErrorCode: 10, Message: `Bad or missing Server API token ${TOKEN}`, ServerToken: 'echoed-other-secret' } }),
    });
    cleanups.push(() => esp.close());
    const outbox = await createOutbox({ ...makeStore(), backends: { default: new PostmarkBackend({ serverToken: 'default-token', apiUrl: esp.url }) }, secretKey: 'a long random test key, not a real one' });
    cleanups.push(() => outbox.close());
    await outbox.migrate();
    await new OutboxEmailBackend({ outbox }).sendMessages([new EmailMessage({ from: 'f@example.com', to: 'a@example.com', subject: 's', body: 'b', espExtra: { serverToken: TOKEN } })]);
    expect(await outbox.sendQueued()).toEqual({ sent: 0, failed: 1, requeued: 0 });
    const logs = await outbox.db.selectFrom('outbox_log').selectAll().execute();
    const text = JSON.stringify(logs) + JSON.stringify(await outbox.db.selectFrom('outbox_email').select('send_result').execute());
    expect(logs).toHaveLength(1);
    expect(logs[0]!.message).toContain("[redacted]");
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('echoed-other-secret');
  });
});
