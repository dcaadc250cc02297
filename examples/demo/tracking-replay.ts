// Tracking events "coming back": a node:http server with the Postmark and Mailgun tracking
// webhooks (authenticated as in production: Postmark basic auth, Mailgun HMAC signature),
// and the events the two ESPs would post for the mail the demo sent (delivered, some opened).
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trackingWebhook as mailgunWebhook } from '@anymail/mailgun';
import { trackingWebhook as postmarkWebhook } from '@anymail/postmark';

const POSTMARK_SECRET = 'demo:webhook-secret';
const MAILGUN_SIGNING_KEY = 'demo-mailgun-signing-key';

export interface SentRecord {
  espName: string;
  messageId: string;
  recipient: string;
}

/** The body Postmark or Mailgun posts for one event ('delivered' or 'opened'). */
function eventBody(sent: SentRecord, event: 'delivered' | 'opened'): { path: string; body: string; headers: Record<string, string> } {
  const now = new Date().toISOString();
  if (sent.espName === 'Postmark') {
    const record =
      event === 'delivered'
        ? { RecordType: 'Delivery', MessageID: sent.messageId, Recipient: sent.recipient, DeliveredAt: now, Details: 'smtp;250 2.0.0 OK', Metadata: {} }
        : { RecordType: 'Open', FirstOpen: true, MessageID: sent.messageId, Recipient: sent.recipient, ReceivedAt: now, UserAgent: 'Demo/1.0', Metadata: {} };
    return {
      path: '/webhooks/postmark',
      body: JSON.stringify(record),
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(POSTMARK_SECRET).toString('base64')}` },
    };
  }
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = randomBytes(25).toString('hex');
  const signature = createHmac('sha256', MAILGUN_SIGNING_KEY).update(timestamp + token).digest('hex');
  const eventData = {
    event,
    id: randomBytes(11).toString('base64url'),
    timestamp: Date.now() / 1000,
    recipient: sent.recipient,
    message: { headers: { 'message-id': sent.messageId } },
    'delivery-status': event === 'delivered' ? { code: 250, message: 'OK', description: '' } : undefined,
    tags: [],
    'user-variables': {},
  };
  return {
    path: '/webhooks/mailgun',
    body: JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': eventData }),
    headers: { 'content-type': 'application/json' },
  };
}

/**
 * Start the webhook receiver, post a 'delivered' event for every sent message and an 'opened'
 * event for every `openEvery`-th, and stop. The webhooks fire core's `tracking` signal.
 */
export async function replayTracking(sent: readonly SentRecord[], openEvery = 3): Promise<number> {
  const routes = new Map([
    ['/webhooks/postmark', postmarkWebhook({ webhookSecret: POSTMARK_SECRET })],
    ['/webhooks/mailgun', mailgunWebhook({ webhookSigningKey: MAILGUN_SIGNING_KEY })],
  ]);
  const server = createServer((request, response) => {
    const webhook = routes.get(request.url ?? '');
    if (!webhook) {
      response.writeHead(404).end();
      return;
    }
    void webhook.node(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let posted = 0;
  try {
    for (const [index, record] of sent.entries()) {
      const events: Array<'delivered' | 'opened'> = index % openEvery === 0 ? ['delivered', 'opened'] : ['delivered'];
      for (const event of events) {
        const { path, body, headers } = eventBody(record, event);
        const response = await fetch(`${base}${path}`, { method: 'POST', body, headers });
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
        posted++;
      }
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return posted;
}
