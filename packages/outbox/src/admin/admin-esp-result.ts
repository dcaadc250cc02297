/**
 * The mail page's "What the ESP said": the ESP that sent (or refused) it, its message id(s),
 * each recipient's send status and furthest tracking status, and FailoverBackend's attempts,
 * as the outbox recorded them (send_result, outbox_recipient, delivery_status). The outbox
 * keeps the furthest status per recipient that `outbox.trackingReceiver()` applied, not
 * every event, so that is what the tracking table shows.
 */
import type { OutboxEmail } from '../outbox-email.js';
import { html, type SafeHtml } from './admin-html.js';

type Recipient = { recipient: string; espName: string; espMessageId: string | null; status: string; updated: Date };

const when = (date: Date) => date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';

export function espResultSection(email: OutboxEmail, recipients: readonly Recipient[]): SafeHtml {
  const result = email.sendResult;
  if (!email.espName && !result) return html`<h2>What the ESP said</h2><p class="empty" id="esp-result">Nothing recorded: not sent yet, or sent before the outbox recorded ESP results.</p>`;
  const ids = result?.messageIds.length ? result.messageIds : email.espMessageId ? [email.espMessageId] : [];
  const sendStatus = (address: string) => result?.recipients[address]?.status ?? '—';
  const rows = recipients.length
    ? recipients.map((r) => html`<tr><td>${r.recipient}</td><td>${sendStatus(r.recipient)}</td><td><span class="status status-${r.status}">${r.status}</span></td><td>${r.espMessageId ?? '—'}</td><td>${when(r.updated)}</td></tr>`)
    : Object.entries(result?.recipients ?? {}).map(([address, r]) => html`<tr><td>${address}</td><td>${r.status}</td><td>—</td><td>${r.messageId ?? '—'}</td><td>—</td></tr>`);
  const attempts = result?.attempts ?? [];
  return html`<h2>What the ESP said</h2><dl class="headers" id="esp-result">
<dt>ESP</dt><dd id="esp-name">${email.espName ?? result?.espName ?? '—'}</dd>
<dt>ESP message id</dt><dd id="esp-message-ids">${ids.length ? ids.join(', ') : '—'}</dd>
<dt>Delivery status</dt><dd id="delivery-status">${email.deliveryStatus ?? '—'}</dd></dl>
<h3>Recipients and tracking</h3>${
    rows.length
      ? html`<table id="esp-recipients"><thead><tr><th>Recipient</th><th>Send status</th><th>Tracking status (furthest)</th><th>ESP message id</th><th>Updated</th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="empty">The ESP reported no recipients.</p>`
  }
<h3>Failover attempts</h3>${
    attempts.length
      ? html`<table id="esp-attempts"><thead><tr><th>#</th><th>ESP</th><th>Outcome</th><th>HTTP status</th><th>Time (ms)</th><th>Error</th></tr></thead><tbody>${attempts.map(
          (a, i) =>
            html`<tr><td class="num">${i + 1}</td><td>${a.espName}</td><td>${a.category ?? 'sent'}${a.deliveryUnknown ? ' (may have reached the ESP)' : ''}</td><td class="num">${a.statusCode ?? '—'}</td><td class="num">${Math.round(a.durationMs)}</td><td>${a.error ?? ''}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="empty">Not sent through a FailoverBackend.</p>`
  }`;
}
