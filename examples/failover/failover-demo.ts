// Failover in production: Mailgun primary, Postmark secondary. Here both ESPs are loopback
// fakes, and "Mailgun" is having an outage (HTTP 503), so Postmark sends.
import { EmailMessage, FailoverBackend, failover } from '@anymail/core';
import { startFakeEsp } from '@anymail/core/test';
import { MailgunBackend } from '@anymail/mailgun';
import { PostmarkBackend } from '@anymail/postmark';
import { postmarkFakeRoutes } from '@anymail/postmark/test';

export async function runFailoverDemo(log: (line: string) => void = console.log) {
  const mailgunApi = await startFakeEsp({ '*': { status: 503, body: 'Service Unavailable' } });
  const postmarkApi = await startFakeEsp(postmarkFakeRoutes());
  const connection = new FailoverBackend({
    backends: [
      new MailgunBackend({ apiKey: 'demo-mailgun-key', senderDomain: 'example.com', apiUrl: `${mailgunApi.url}v3` }),
      new PostmarkBackend({ serverToken: 'demo-postmark-token', apiUrl: postmarkApi.url }),
    ],
    failureThreshold: 2,
    coolDownMs: 60_000,
  });
  const onFailover = ({ from, to, category }: { from: string; to: string; category: string }) =>
    log(`failover: ${from} → ${to} (${category})`);
  failover.connect(onFailover);
  try {
    const statuses = [];
    for (let i = 1; i <= 3; i++) {
      const message = new EmailMessage({
        from: 'shop@example.com',
        to: [`customer${i}@example.com`],
        subject: `Order #${i} confirmed`,
        body: 'Thanks for your order!',
        connection,
      });
      await message.send();
      const status = message.anymailStatus!;
      statuses.push(status);
      log(`message ${i}: ${[...status.status].join()} via ${status.espName}; attempts: ${status.attempts!.map((a) => `${a.espName}${a.category ? ` (${a.category})` : ' ✓'}`).join(' → ')}`);
    }
    log(`Mailgun saw ${mailgunApi.calls.length} requests (the breaker skips it after ${2} failures); Postmark saw ${postmarkApi.calls.length}.`);
    return { statuses, mailgunCalls: mailgunApi.calls.length, postmarkCalls: postmarkApi.calls.length };
  } finally {
    failover.disconnect(onFailover);
    await connection.close();
    await mailgunApi.close();
    await postmarkApi.close();
  }
}
