// The `pnpm demo`: the library's main job on an embedded default. Templated mail is queued in
// an outbox on a SQLite file, a worker delivers it through a FailoverBackend of two ESPs
// (Postmark, then Mailgun), tracking events come back through the ESPs' webhooks, and a table
// shows what each ESP did.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailoverBackend, failover, postSend, tracking, type BaseEmailBackend, type FailoverArgs, type PostSendArgs, type TrackingArgs } from '@anymail/core';
import { MailgunBackend } from '@anymail/mailgun';
import { createOutbox } from '@anymail/outbox';
import { PostmarkBackend } from '@anymail/postmark';
import { startFakeEsps, type FakeEsps } from './fake-esps.js';
import { replayTracking, type SentRecord } from './tracking-replay.js';

export interface DemoOptions {
  /** How many mails to queue. @default 60 (3 with real ESPs) */
  count?: number;
  /** Send for real to this address (needs ESP credentials in `env`). */
  to?: string;
  /** Sender for real sends (must be verified at the ESP). @default env DEMO_FROM */
  from?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Where progress goes (a bar on a terminal, else a line per batch). */
  progress?: NodeJS.WriteStream | { isTTY?: boolean; write(text: string): unknown };
}

export interface EspRow {
  esp: string;
  sent: number;
  failoversFrom: number;
  delivered: number;
  opened: number;
}

export interface DemoResult {
  mode: 'fake' | 'real';
  queued: number;
  outboxStatuses: Record<string, number>;
  rows: EspRow[];
  trackingEvents: number;
}

function progressBar(out: NonNullable<DemoOptions['progress']>, done: number, total: number, final = false): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const text = `delivering [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
  if (out.isTTY) out.write(`\r${text}${final ? '\n' : ''}`);
  else out.write(`${text}\n`);
}

function table(rows: EspRow[]): string[] {
  const header = ['ESP', 'sent', 'failovers away', 'delivered events', 'opened events'];
  const cells = rows.map((row) => [row.esp, row.sent, row.failoversFrom, row.delivered, row.opened].map(String));
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column]!.length)));
  const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.map(line)];
}

/** Real backends from the environment, or undefined when no ESP credentials are set. */
function realBackends(env: NodeJS.ProcessEnv): BaseEmailBackend[] | undefined {
  const backends: BaseEmailBackend[] = [];
  if (env['POSTMARK_SERVER_TOKEN'] || env['ANYMAIL_POSTMARK_SERVER_TOKEN']) backends.push(new PostmarkBackend());
  if ((env['MAILGUN_API_KEY'] || env['ANYMAIL_MAILGUN_API_KEY']) && (env['MAILGUN_SENDER_DOMAIN'] || env['ANYMAIL_MAILGUN_SENDER_DOMAIN'])) {
    backends.push(new MailgunBackend());
  }
  return backends.length > 0 ? backends : undefined;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? console.log;
  const progress = options.progress ?? process.stderr;
  const real = options.to ? realBackends(env) : undefined;
  if (options.to && !real) {
    throw new Error('--to needs ESP credentials: POSTMARK_SERVER_TOKEN, and/or MAILGUN_API_KEY with MAILGUN_SENDER_DOMAIN.');
  }
  const from = options.from ?? env['DEMO_FROM'] ?? 'Demo Shop <shop@example.com>';
  const count = options.count ?? (real ? 3 : 60);
  let fakes: FakeEsps | undefined;
  let members: BaseEmailBackend[];
  if (real) {
    log(`Real mode: sending ${count} mails to ${options.to} through ${real.map((backend) => (backend as { espName?: string }).espName).join(' → ')}.`);
    members = real;
  } else {
    fakes = await startFakeEsps(4);
    log('No ESP credentials and no --to given, so this demo runs against the packages\' own FAKE ESPs on loopback');
    log(`(Postmark at ${fakes.postmark.url}, Mailgun at ${fakes.mailgun.url}). No real mail is sent.`);
    log('The fake Postmark has an outage for its first 4 requests (HTTP 503), so you will see failover to Mailgun.');
    members = [
      new PostmarkBackend({ serverToken: 'demo-postmark-token', apiUrl: fakes.postmark.url }),
      new MailgunBackend({ apiKey: 'demo-mailgun-key', senderDomain: 'example.com', apiUrl: `${fakes.mailgun.url}v3` }),
    ];
  }
  const connection = new FailoverBackend({ backends: members, failureThreshold: 2, coolDownMs: 250 });
  const dataDir = mkdtempSync(join(tmpdir(), 'anymail-demo-'));
  const database = join(dataDir, 'outbox.db');
  log(`Outbox: SQLite file ${database}`);

  const sent: SentRecord[] = [];
  const rows = new Map<string, EspRow>();
  const row = (esp: string) => rows.get(esp) ?? rows.set(esp, { esp, sent: 0, failoversFrom: 0, delivered: 0, opened: 0 }).get(esp)!;
  for (const member of members) row((member as { espName?: string }).espName ?? '?');
  let done = 0;
  let shown = -1;
  const onPostSend = ({ status, espName }: PostSendArgs) => {
    if (espName === 'Failover') return;
    row(espName).sent++;
    done++;
    // Redraw on a terminal at each step; in a log, every tenth of the way.
    const step = progress.isTTY ? done : Math.floor((done * 10) / count);
    if (step !== shown) {
      shown = step;
      progressBar(progress, done, count, done >= count);
    }
    for (const [recipient, { messageId }] of Object.entries(status.recipients)) {
      if (messageId) sent.push({ espName, messageId, recipient });
    }
  };
  const onFailover = ({ from: espFrom }: FailoverArgs) => void row(espFrom).failoversFrom++;
  const onTracking = ({ event, espName }: TrackingArgs) => {
    if (event.eventType === 'delivered') row(espName).delivered++;
    if (event.eventType === 'opened') row(espName).opened++;
  };
  postSend.connect(onPostSend);
  failover.connect(onFailover);
  tracking.connect(onTracking);

  const outbox = await createOutbox({ database: `sqlite:${database}`, backends: { default: connection }, logLevel: 0, retryIntervalMs: 100 });
  try {
    await outbox.migrate();
    await outbox.templates.create({ name: 'order-shipped', subject: 'Order #{{ order }} has shipped', content: 'Hello {{ name }}, your order #{{ order }} is on its way.', htmlContent: '<p>Hello <b>{{ name }}</b>, your order #{{ order }} is on its way.</p>' });
    await outbox.templates.create({ name: 'order-shipped', language: 'de', subject: 'Bestellung #{{ order }} ist unterwegs', content: 'Hallo {{ name }}, deine Bestellung #{{ order }} ist unterwegs.' });
    const names = ['Ann', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Femi', 'Grace', 'Hiro'];
    await outbox.sendMany(
      Array.from({ length: count }, (_, index) => ({
        recipients: options.to ?? `customer${index + 1}@example.com`,
        sender: from,
        template: 'order-shipped',
        language: index % 4 === 3 ? 'de' : '',
        context: { name: names[index % names.length], order: 1000 + index },
      })),
    );
    log(`Queued ${count} templated mails (English and German) in one insert.`);

    // The worker's job: drain the queue (a failed attempt is retried after retryIntervalMs).
    let finished = 0;
    for (let rounds = 0; finished < count && rounds < 50; rounds++) {
      const report = await outbox.sendQueued({ batchSize: 10, concurrency: 4 });
      finished += report.sent + report.failed;
      if (report.sent + report.failed + report.requeued === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (progress.isTTY && done < count) progress.write('\n');

    const statuses = await outbox.db.selectFrom('outbox_email').select(['status']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('status').execute();
    const outboxStatuses = Object.fromEntries(statuses.map(({ status, n }) => [status, Number(n)]));

    let trackingEvents = 0;
    if (real) {
      log('Tracking events for real mail arrive at your webhook URL (see examples/webhooks); none are simulated here.');
    } else {
      trackingEvents = await replayTracking(sent);
      log(`Tracking: the ESPs' webhooks received ${trackingEvents} events (delivered, and an open for every third mail), authenticated as in production.`);
    }
    const result: DemoResult = { mode: real ? 'real' : 'fake', queued: count, outboxStatuses, rows: [...rows.values()], trackingEvents };
    log('');
    log(`Outbox statuses: ${Object.entries(outboxStatuses).map(([status, n]) => `${status} ${n}`).join(', ')}`);
    for (const line of table(result.rows)) log(line);
    return result;
  } finally {
    postSend.disconnect(onPostSend);
    failover.disconnect(onFailover);
    tracking.disconnect(onTracking);
    await outbox.close();
    await connection.close();
    await fakes?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
