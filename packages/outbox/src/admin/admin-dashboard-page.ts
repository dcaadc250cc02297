/** The dashboard: counts per status, sends per hour, failures by category, mail per ESP backend. */
import { page, type AdminRequest } from './admin-app.js';
import { barChart, columnChart, html, layout, STATUS_COLORS } from './admin-html.js';
import { STATUSES } from './admin-queries.js';
import { dashboardStats } from './admin-stats.js';

export async function dashboardPage(ctx: AdminRequest): Promise<Response> {
  const stats = await dashboardStats(ctx.queries.db);
  const cards = STATUSES.map(
    (status) => html`<a class="card" href="${ctx.base}/mail?status=${status}"><span class="status status-${status}">${status}</span><b id="count-${status}">${stats.byStatus[status] ?? 0}</b></a>`,
  );
  const aliases = [...new Set(stats.byEsp.map((r) => r.alias))];
  const espRows = aliases.map((alias) => {
    const count = (status: string) => stats.byEsp.find((r) => r.alias === alias && r.status === status)?.count ?? 0;
    return html`<tr><td><a href="${ctx.base}/mail?esp=${alias}">${alias}</a></td>${STATUSES.map((s) => html`<td class="num">${count(s)}</td>`)}</tr>`;
  });
  const body = html`<div class="cards">${cards}</div>
<div class="grid">
<section><h2>Sent per hour (last 24 h, UTC)</h2>${columnChart(stats.sentPerHour, 'Mail sent per hour')}${
    ctx.outbox.settings.logLevel < 2 ? html`<p class="empty">Counted from the log: with logLevel ${ctx.outbox.settings.logLevel} sends are not logged.</p>` : ''
  }</section>
<section><h2>Failures by category (last 7 days)</h2>${barChart(stats.failuresByCategory, 'Failures by category')}</section>
<section><h2>Mail per status</h2>${barChart(STATUSES.map((s) => [s, stats.byStatus[s] ?? 0] as const), 'Mail per status', STATUS_COLORS)}</section>
<section><h2>Per ESP backend</h2><table><thead><tr><th>Backend</th>${STATUSES.map((s) => html`<th>${s}</th>`)}</tr></thead><tbody>${espRows}</tbody></table></section>
</div>`;
  return page(200, layout({ base: ctx.base, title: 'Dashboard', who: ctx.principal.who, csrf: ctx.csrf, active: 'dashboard' }, body));
}
