/**
 * The outbox remembers what the ESP said, and tracking events find the email by it: sent
 * through FailoverBackend (SendGrid refuses, Postmark sends), then Postmark's delivered and
 * bounced webhooks posted to its real webhook handler move the email forward, never back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTrackingEvent, FailoverBackend, tracking } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { PostmarkBackend, trackingWebhook } from '@anymail/postmark';
import { postmarkFakeRoutes } from '@anymail/postmark/test';
import { SendGridBackend } from '@anymail/sendgrid';
import { createOutbox, OutboxHealthStore, type Outbox } from '../src/index.js';
import { testStores } from './support/postgres-store.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const SECRET = 'anymail:hook-secret';
const stores = testStores('tracking', cleanups);

describe.each(stores)('send results and tracking: %s', (_name, makeStore) => {
  async function setup(): Promise<{ outbox: Outbox; sendgrid: FakeEsp; postmark: FakeEsp }> {
    const sendgrid = await startFakeEsp({ 'POST /v3/mail/send': () => ({ status: 503, body: { errors: [{ message: 'down for maintenance' }] } }) });
    const postmark = await startFakeEsp(postmarkFakeRoutes());
    cleanups.push(() => sendgrid.close(), () => postmark.close());
    const failover = new FailoverBackend({
      backends: [new SendGridBackend({ apiKey: 'SG.key', apiUrl: `${sendgrid.url}v3/` }), new PostmarkBackend({ serverToken: 'token', apiUrl: postmark.url })],
    });
    const outbox = await createOutbox({ ...makeStore(), backends: { default: failover } });
    cleanups.push(() => outbox.close());
    await outbox.migrate();
    return { outbox, sendgrid, postmark };
  }

  it('records the ESP, its message id, per-recipient status and the failover attempts, in columns and the log', async () => {
    const { outbox, sendgrid, postmark } = await setup();
    const queued = await outbox.send({ sender: 'from@example.com', recipients: ['ann@example.com', 'Bob <bob@example.com>'], subject: 'hi', message: 'text' });
    expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    expect([sendgrid.calls.length, postmark.calls.length]).toEqual([1, 1]);
    const email = (await outbox.get(queued.id))!;
    expect(email.espName).toBe('Postmark');
    expect(email.espMessageId).toMatch(/\S/);
    expect(email.deliveryStatus).toBe('sent');
    expect(email.sendResult!.attempts!.map((a) => [a.espName, a.category])).toEqual([
      ['SendGrid', 'server'],
      ['Postmark', undefined],
    ]);
    expect((await outbox.recipients(queued.id)).map((r) => [r.recipient, r.espName, r.status, r.espMessageId])).toEqual([
      ['ann@example.com', 'Postmark', 'sent', email.espMessageId],
      ['bob@example.com', 'Postmark', 'sent', email.espMessageId],
    ]);
    const [log] = await outbox.logs(queued.id);
    expect(log!.message).toContain(`Postmark id ${email.espMessageId}`);
    expect(log!.message).toMatch(/failover: SendGrid \[server\].*; Postmark sent/);
  });

  it("shares FailoverBackend's circuit breaker between workers through the outbox database", async () => {
    const down = await startFakeEsp({ 'POST /v3/mail/send': () => ({ status: 503, body: { errors: [{ message: 'down' }] } }) });
    const up = await startFakeEsp(postmarkFakeRoutes());
    cleanups.push(() => down.close(), () => up.close());
    const store = makeStore();
    // Two workers, each with its own FailoverBackend; the breaker state lives in the shared database.
    const workers: Outbox[] = [];
    for (let i = 0; i < 2; i++) {
      let outbox: Outbox | undefined;
      const failover = new FailoverBackend({
        backends: [new SendGridBackend({ apiKey: 'SG.key', apiUrl: `${down.url}v3/` }), new PostmarkBackend({ serverToken: 'token', apiUrl: up.url })],
        healthStore: new OutboxHealthStore(() => outbox!.db, 0),
        failureThreshold: 2,
        coolDownMs: 60_000,
      });
      outbox = await createOutbox({ ...store, backends: { default: failover } });
      cleanups.push(() => outbox!.close());
      await outbox.migrate();
      workers.push(outbox);
    }
    await workers[0]!.sendMany([1, 2].map((i) => ({ sender: 'f@example.com', recipients: `w0-${i}@example.com`, subject: 's', message: 'm' })));
    expect(await workers[0]!.sendQueued({ concurrency: 1 })).toEqual({ sent: 2, failed: 0, requeued: 0 });
    expect(down.calls).toHaveLength(2);
    // The other worker skips the open breaker: SendGrid is not tried again.
    await workers[1]!.send({ sender: 'f@example.com', recipients: 'w1@example.com', subject: 's', message: 'm' });
    expect(await workers[1]!.sendQueued()).toEqual({ sent: 1, failed: 0, requeued: 0 });
    expect(down.calls).toHaveLength(2);
    expect(up.calls).toHaveLength(3);
  });

  it("applies the sending ESP's delivered and bounced webhooks forward only; another ESP's event and unknown ids are counted", async () => {
    const { outbox } = await setup();
    const queued = await outbox.send({ sender: 'from@example.com', recipients: 'ann@example.com', subject: 'hi', message: 'text' });
    await outbox.sendQueued();
    const messageId = (await outbox.get(queued.id))!.espMessageId!;
    const receiver = outbox.trackingReceiver();
    tracking.connect(receiver);
    cleanups.push(() => void tracking.disconnect(receiver));
    const hook = trackingWebhook({ webhookSecret: SECRET });
    const post = async (record: object) => {
      const response = await hook.fetch(
        new Request('http://app.example/webhooks/postmark', {
          method: 'POST',
          body: JSON.stringify(record),
          headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(SECRET).toString('base64')}` },
        }),
      );
      expect(response.status).toBe(200);
    };
    await post({ RecordType: 'Delivery', MessageID: messageId, Recipient: 'ann@example.com', DeliveredAt: '2026-12-04T10:00:00Z' });
    expect((await outbox.get(queued.id))!.deliveryStatus).toBe('delivered');
    await post({ RecordType: 'Bounce', Type: 'HardBounce', MessageID: messageId, Email: 'ann@example.com', BouncedAt: '2026-12-04T10:01:00Z' });
    await post({ RecordType: 'Open', MessageID: messageId, Recipient: 'ann@example.com', ReceivedAt: '2026-12-04T10:02:00Z' });
    const email = (await outbox.get(queued.id))!;
    expect(email.deliveryStatus).toBe('bounced');
    expect((await outbox.recipients(queued.id))[0]!.status).toBe('bounced');
    // SendGrid never sent it: its event with the same id is not this email's.
    await receiver({ event: createTrackingEvent({ eventType: 'delivered', espName: 'SendGrid', espEvent: {}, messageId }) });
    await post({ RecordType: 'Delivery', MessageID: 'never-sent-by-us', Recipient: 'x@example.com' });
    expect(receiver.stats).toEqual({ applied: 2, unchanged: 1, unknown: 2, ignored: 0 });
    expect((await outbox.get(queued.id))!.deliveryStatus).toBe('bounced');
  });
});
