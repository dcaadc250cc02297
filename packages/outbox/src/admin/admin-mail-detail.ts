/**
 * One mail: its envelope and headers, text, a sandboxed HTML preview, attachments, every
 * log line (each attempt's outcome and the ESP's answer as recorded), and the actions its
 * status allows. Nothing secret is shown: espExtra values and credential-like keys are hidden.
 */
import { page, type AdminRequest } from './admin-app.js';
import { csrfField, html, layout, type SafeHtml } from './admin-html.js';
import { espResultSection } from './admin-esp-result.js';

const SECRET_KEY = /key|token|secret|passw|auth|signature|credential|cookie/i;
const HIDDEN = '•••• (hidden)';

/** A copy with secret-looking values replaced; espExtra keeps only its key names. */
export function redact(value: unknown, key = ''): unknown {
  if (key === 'espExtra' && value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).map((k) => [k, HIDDEN]));
  }
  if (SECRET_KEY.test(key)) return HIDDEN;
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  return value;
}

function when(date: Date | null): string {
  return date ? date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
}

function action(ctx: AdminRequest, id: number, name: string, label: string, confirm: string): SafeHtml {
  return html`<form method="post" action="${ctx.base}/mail/${id}/${name}">${csrfField(ctx.csrf)}<button type="submit" id="action-${name}" data-confirm="${confirm}">${label}</button></form>`;
}

export async function mailDetail(ctx: AdminRequest, id: number, flash: { ok: boolean; message: string } | undefined, status: number): Promise<Response | undefined> {
  const email = await ctx.queries.getMail(id);
  if (!email) return undefined;
  const [logs, attachments, recipients] = await Promise.all([ctx.queries.logs(id), ctx.queries.attachments(id), ctx.queries.recipients(id)]);
  const headers = redact(email.headers ?? {}) as Record<string, string>;
  const actions = [
    email.status === 'failed' || email.status === 'requeued' ? action(ctx, id, 'requeue', 'Requeue', `Requeue mail #${id}? A worker will send it again.`) : '',
    email.status === 'queued' || email.status === 'requeued' ? action(ctx, id, 'cancel', 'Cancel', `Cancel mail #${id}? It will not be sent.`) : '',
    action(ctx, id, 'resend', 'Resend as a copy', `Queue a copy of mail #${id} as a new mail?`),
  ];
  const field = (name: string, value: unknown) => html`<dt>${name}</dt><dd>${value === null || value === undefined || value === '' ? '—' : String(value)}</dd>`;
  const lastAnswer = [...logs].reverse().find((l) => !l.exceptionType.startsWith('Admin'));
  const body = html`<p><span class="status status-${email.status}" id="mail-status">${email.status}</span> ${email.priority} priority · through backend <b>${email.backendAlias}</b></p>
<div class="actions">${actions}</div>
<h2>Envelope</h2><dl class="headers">
${field('From', email.fromEmail || '(default sender)')}${field('To', email.to.join(', '))}${field('Cc', email.cc.join(', '))}${field('Bcc', email.bcc.join(', '))}
${field('Subject', email.subject)}${field('Message-ID', email.messageId)}${field('Created', when(email.created))}${field('Last updated', when(email.lastUpdated))}
${field('Scheduled', when(email.scheduledTime))}${field('Expires', when(email.expiresAt))}${field('Retries', email.numberOfRetries)}
${field('Template', email.templateId === null ? null : `#${email.templateId}${email.language ? ` (${email.language})` : ''}${email.renderOnDelivery ? ', rendered on delivery' : ''}`)}
</dl>
<h2>Headers</h2>${Object.keys(headers).length ? html`<dl class="headers">${Object.entries(headers).map(([k, v]) => field(k, v))}</dl>` : html`<p class="empty">No extra headers.</p>`}
${email.espOptions ? html`<h2>ESP options</h2><pre class="text">${JSON.stringify(redact(email.espOptions), null, 2)}</pre>` : ''}
<h2>Text</h2>${email.message ? html`<pre class="text" id="mail-text">${email.message}</pre>` : html`<p class="empty">No text part.</p>`}
<h2>HTML preview</h2>${
    email.htmlMessage || email.renderOnDelivery
      ? html`<p class="empty">Sanitized, without scripts or remote content.</p><iframe class="preview" id="mail-preview" title="HTML preview" sandbox="" referrerpolicy="no-referrer" src="${ctx.base}/mail/${id}/preview"></iframe>`
      : html`<p class="empty">No HTML part.</p>`
  }
<h2>Attachments</h2>${
    attachments.length
      ? html`<table><thead><tr><th>Name</th><th>Type</th><th>Size</th><th>Content-ID</th></tr></thead><tbody>${attachments.map(
          (a) => html`<tr><td><a href="${ctx.base}/mail/${id}/attachments/${a.id}" download>${a.name}</a></td><td>${a.mimetype}</td><td class="num">${a.size ?? '—'}</td><td>${a.contentId ?? ''}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="empty">None.</p>`
  }
<h2>Attempts and log</h2>${
    logs.length
      ? html`<table id="mail-log"><thead><tr><th>When</th><th>Status</th><th>Type</th><th>Message</th></tr></thead><tbody>${logs.map(
          (l) => html`<tr><td>${when(l.date)}</td><td><span class="status status-${l.status}">${l.status}</span></td><td>${l.exceptionType}</td><td>${l.message}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="empty">No log lines yet.</p>`
  }
<h2>ESP answer</h2>${lastAnswer ? html`<p>${lastAnswer.status}${lastAnswer.message ? html`: ${lastAnswer.message}` : ''}</p>` : html`<p class="empty">Not sent yet.</p>`}
${espResultSection(email, recipients)}`;
  return page(status, layout({ base: ctx.base, title: `Mail #${id}: ${email.subject || '(no subject)'}`, who: ctx.principal.who, csrf: ctx.csrf, flash, active: 'mail' }, body));
}
