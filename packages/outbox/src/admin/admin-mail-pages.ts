/** The mail pages: the filtered list, one mail, its safe preview, its attachments, and the actions on it. */
import { cancelMail, requeueMail, requeueMatching, resendMail, type ActionResult } from './admin-actions.js';
import { page, redirect, type AdminRequest } from './admin-app.js';
import { csrfField, html, layout, PREVIEW_CSP, raw, securityHeaders, type SafeHtml } from './admin-html.js';
import { mailDetail } from './admin-mail-detail.js';
import { STATUSES, type MailFilter } from './admin-queries.js';
import { sanitizeMailHtml } from './admin-sanitize.js';
import { PRIORITY, type OutboxStatus, type PriorityName } from '../outbox-schema.js';
import type { OutboxEmail } from '../outbox-email.js';

const MAX_INLINE_IMAGE = 2_000_000;

function day(value: string | null): number | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const at = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(at) ? undefined : at;
}

export function parseFilter(params: URLSearchParams): MailFilter {
  const filter: MailFilter = {};
  const status = params.get('status');
  if (status && (STATUSES as readonly string[]).includes(status)) filter.status = status as OutboxStatus;
  const priority = params.get('priority');
  if (priority && priority in PRIORITY) filter.priority = priority as PriorityName;
  for (const key of ['esp', 'recipient', 'q'] as const) {
    const value = params.get(key)?.trim();
    if (value) filter[key] = value.slice(0, 320);
  }
  const since = day(params.get('since'));
  if (since !== undefined) filter.since = since;
  const until = day(params.get('until'));
  if (until !== undefined) filter.until = until + 86_400_000; // the whole day
  return filter;
}

function option(value: string, selected: string | null | undefined, label = value): SafeHtml {
  return html`<option value="${value}"${raw(value === (selected ?? '') ? ' selected' : '')}>${label}</option>`;
}

async function listPage(ctx: AdminRequest): Promise<Response> {
  const params = ctx.url.searchParams;
  const filter = parseFilter(params);
  const beforeText = params.get('before');
  const before = beforeText && /^\d{1,15}$/.test(beforeText) ? Number(beforeText) : undefined;
  const [result, esps] = await Promise.all([ctx.queries.listMail(filter, { ...(before === undefined ? {} : { before }), limit: ctx.pageSize }), ctx.queries.espChoices()]);
  const rows = result.rows.map(
    (row) => html`<tr><td class="num"><a href="${ctx.base}/mail/${row.id}">${row.id}</a></td>
<td><span class="status status-${row.status}">${row.status}</span></td><td>${row.priority}</td>
<td><a href="${ctx.base}/mail/${row.id}">${row.subject || '(no subject)'}</a></td><td>${row.to.join(', ')}</td>
<td>${row.espName ?? row.backendAlias}</td><td>${row.created.toISOString().replace('T', ' ').slice(0, 19)}</td></tr>`,
  );
  const next = new URLSearchParams(params);
  if (result.nextBefore !== undefined) next.set('before', String(result.nextBefore));
  const first = new URLSearchParams(params);
  first.delete('before');
  const body = html`<form method="get" action="${ctx.base}/mail" class="filters" id="mail-filters">
<label>Status <select name="status">${option('', params.get('status'), 'any')}${STATUSES.map((s) => option(s, params.get('status')))}</select></label>
<label>Priority <select name="priority">${option('', params.get('priority'), 'any')}${Object.keys(PRIORITY).map((p) => option(p, params.get('priority')))}</select></label>
<label>ESP <select name="esp">${option('', params.get('esp'), 'any')}${esps.map((a) => option(a, params.get('esp')))}</select></label>
<label>Recipient <input name="recipient" value="${params.get('recipient') ?? ''}" placeholder="someone@example.com"></label>
<label>From day <input type="date" name="since" value="${params.get('since') ?? ''}"></label>
<label>To day <input type="date" name="until" value="${params.get('until') ?? ''}"></label>
<label>Search <input name="q" type="search" value="${params.get('q') ?? ''}" placeholder="subject, Message-ID or ESP message id"></label>
<button type="submit">Filter</button> <a href="${ctx.base}/mail">Clear</a></form>
<table id="mail-list"><thead><tr><th>#</th><th>Status</th><th>Priority</th><th>Subject</th><th>To</th><th>ESP</th><th>Created (UTC)</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="7" class="empty">No mail matches.</td></tr>`}</tbody></table>
${
    filter.status === 'failed'
      ? html`<form method="post" action="${ctx.base}/mail/requeue" class="actions">${csrfField(ctx.csrf)}${[...params.entries()]
          .filter(([key]) => key !== 'before' && key !== 'csrf' && key !== 'requeued')
          .map(([key, value]) => html`<input type="hidden" name="${key}" value="${value}">`)}
<button type="submit" id="action-requeue-all" data-confirm="Requeue every failed mail matching these filters?">Requeue every failed mail matching these filters</button></form>`
      : ''
  }
<p class="pager">${before !== undefined ? html`<a href="${ctx.base}/mail?${first.toString()}">First page</a>` : ''}${
    result.nextBefore !== undefined ? html`<a href="${ctx.base}/mail?${next.toString()}" rel="next">Older mail</a>` : ''
  }</p>`;
  const requeued = params.get('requeued');
  const flash = requeued && /^\d{1,9}$/.test(requeued) ? { ok: true, message: `${requeued} failed mail requeued: a worker will send them.` } : undefined;
  return page(200, layout({ base: ctx.base, title: 'Mail', who: ctx.principal.who, csrf: ctx.csrf, flash, active: 'mail' }, body));
}

/** The HTML a mail shows: stored, or rendered now from its template when it renders on delivery. */
async function mailHtml(ctx: AdminRequest, email: OutboxEmail): Promise<string> {
  if (!email.renderOnDelivery || email.templateId === null) return email.htmlMessage;
  const row = await ctx.queries.db.selectFrom('outbox_email').select('context').where('id', '=', email.id).executeTakeFirst();
  const template = await ctx.outbox.templates.getById(email.templateId);
  const data = row?.context ? ctx.outbox.settings.contextSerializer.deserialize(row.context) : {};
  const translated = email.language && template.language !== email.language ? await ctx.outbox.templates.get(template.name, email.language) : template;
  return (await ctx.outbox.templates.render(translated, data)).htmlMessage;
}

export function previewResponse(body: string): Response {
  const doc = `<!doctype html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`;
  return new Response(doc, { headers: securityHeaders(PREVIEW_CSP, { 'content-type': 'text/html; charset=utf-8' }) });
}

async function preview(ctx: AdminRequest, email: OutboxEmail): Promise<Response> {
  const images = new Map<string, string>();
  for (const attachment of await ctx.queries.attachments(email.id)) {
    if (!attachment.contentId || !attachment.mimetype.startsWith('image/') || (attachment.size ?? 0) > MAX_INLINE_IMAGE) continue;
    const file = await ctx.queries.attachmentContent(email.id, attachment.id);
    if (file) images.set(attachment.contentId, `data:${file.mimetype};base64,${Buffer.from(file.content).toString('base64')}`);
  }
  let source: string;
  try {
    source = await mailHtml(ctx, email);
  } catch (error) {
    return previewResponse(html`<p>This mail renders on delivery and its template cannot be rendered now: ${(error as Error).message}</p>`.value);
  }
  return previewResponse(sanitizeMailHtml(source, images));
}

async function download(ctx: AdminRequest, emailId: number, attachmentId: number): Promise<Response | undefined> {
  const file = await ctx.queries.attachmentContent(emailId, attachmentId);
  if (!file) return undefined;
  ctx.log('download attachment', `mail #${emailId} attachment #${attachmentId}`, true);
  // Always a download, never rendered here: an attached HTML file must not run on this origin.
  const name = file.name.replace(/[^\w.\- ]+/g, '_') || 'attachment';
  return new Response(new Uint8Array(file.content), {
    headers: securityHeaders(PREVIEW_CSP, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    }),
  });
}

const ACTIONS = {
  requeue: (ctx: AdminRequest, id: number) => requeueMail(ctx.outbox, id, ctx.principal.who),
  cancel: (ctx: AdminRequest, id: number) => cancelMail(ctx.outbox, id, ctx.principal.who),
  resend: (ctx: AdminRequest, id: number) => resendMail(ctx.outbox, id, ctx.principal.who),
} as const;

export async function handleMail(ctx: AdminRequest): Promise<Response | undefined> {
  const isWrite = ctx.request.method !== 'GET' && ctx.request.method !== 'HEAD';
  if (ctx.path === '/mail') return isWrite ? undefined : listPage(ctx);
  if (ctx.path === '/mail/requeue' && isWrite) {
    const filter = parseFilter(ctx.form);
    const result = await requeueMatching(ctx.outbox, filter, ctx.principal.who);
    ctx.log('requeue matching', JSON.stringify(filter), result.ok, result.message);
    const back = new URLSearchParams([...ctx.form.entries()].filter(([key]) => key !== 'csrf' && key !== 'requeued'));
    back.set('requeued', String(result.count ?? 0));
    return redirect(`${ctx.base}/mail?${back.toString()}`);
  }
  const match = /^\/mail\/(\d{1,15})(?:\/(preview|requeue|cancel|resend|attachments\/(\d{1,15})))?$/.exec(ctx.path);
  if (!match) return undefined;
  const id = Number(match[1]);
  const sub = match[2];
  if (isWrite) {
    if (sub !== 'requeue' && sub !== 'cancel' && sub !== 'resend') return undefined;
    const result: ActionResult = await ACTIONS[sub](ctx, id);
    ctx.log(sub, `mail #${id}`, result.ok, result.message);
    if (!result.ok) return mailDetail(ctx, id, { ok: false, message: result.message }, 409);
    const target = result.newId ?? id;
    return redirect(`${ctx.base}/mail/${target}?done=${sub}&from=${id}`);
  }
  if (sub?.startsWith('attachments/')) return download(ctx, id, Number(match[3]));
  if (sub === 'preview') {
    const email = await ctx.queries.getMail(id);
    return email ? preview(ctx, email) : undefined;
  }
  if (sub !== undefined) return undefined;
  const done = ctx.url.searchParams.get('done');
  const fromText = ctx.url.searchParams.get('from') ?? '';
  const from = /^\d{1,15}$/.test(fromText) ? fromText : '?';
  const flashes: Record<string, string> = {
    requeue: `Mail #${id} requeued: a worker will send it.`,
    cancel: `Mail #${id} cancelled.`,
    test: `Test mail #${id} queued: a worker will send it.`,
    resend: `Mail #${from} queued again as this mail (#${id}).`,
  };
  const flash = done && done in flashes ? { ok: true, message: flashes[done]! } : undefined;
  return mailDetail(ctx, id, flash, 200);
}
