// FailoverBackend across two of the ESPs declared with the kit (issue #20): Resend primary,
// SparkPost secondary, both real loopback fakes from their packages' test kits.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EmailMessage, FailoverBackend } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { ResendBackend } from '@anymail/resend';
import { resendFakeRoutes } from '@anymail/resend/test';
import { SparkPostBackend } from '@anymail/sparkpost';
import { sparkPostFakeRoutes } from '@anymail/sparkpost/test';

let resendApi: FakeEsp;
let sparkPostApi: FakeEsp;
let connection: FailoverBackend;
beforeEach(async () => {
  resendApi = await startFakeEsp(resendFakeRoutes());
  sparkPostApi = await startFakeEsp(sparkPostFakeRoutes());
  connection = new FailoverBackend({
    backends: [
      new ResendBackend({ apiKey: 're_demo', apiUrl: resendApi.url }),
      new SparkPostBackend({ apiKey: 'sparkpost-demo', apiUrl: sparkPostApi.url }),
    ],
    failureThreshold: 2,
    coolDownMs: 60_000,
  });
});
afterEach(async () => {
  await connection.close();
  await resendApi.close();
  await sparkPostApi.close();
});

const order = (i: number, extra: Partial<ConstructorParameters<typeof EmailMessage>[0]> = {}) =>
  new EmailMessage({ from: 'shop@example.com', to: [`customer${i}@example.com`], subject: `Order #${i}`, body: 'Thanks!', connection, ...extra });

it('sends through Resend while it is healthy', async () => {
  const message = order(1);
  await message.send();
  expect(message.anymailStatus?.espName).toBe('Resend');
  expect([resendApi.calls.length, sparkPostApi.calls.length]).toEqual([1, 0]);
});

it('fails over to SparkPost while Resend answers 503, and stops asking Resend after the threshold', async () => {
  resendApi.setRoute('POST /emails', { status: 503, body: { name: 'internal_server_error', message: 'down', statusCode: 503 } });
  const names: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const message = order(i);
    await message.send();
    names.push(message.anymailStatus!.espName!);
  }
  expect(names).toEqual(['SparkPost', 'SparkPost', 'SparkPost']);
  expect(resendApi.calls.length).toBe(2);
  expect(sparkPostApi.calls.length).toBe(3);
});

it('skips Resend up front for a feature its definition declares unsupported (open tracking)', async () => {
  const message = order(4, { trackOpens: true });
  await message.send();
  expect(message.anymailStatus?.espName).toBe('SparkPost');
  expect(resendApi.calls.length).toBe(0);
  expect((sparkPostApi.calls[0]!.json() as { options: { open_tracking: boolean } }).options.open_tracking).toBe(true);
});
