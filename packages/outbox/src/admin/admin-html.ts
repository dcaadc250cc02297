/**
 * HTML building blocks: escaping (every interpolated value goes through `esc` or `html`), the
 * page layout, security headers and the small SVG charts. Pages carry no inline script or
 * style: both are served as files from the admin itself, which the CSP allows and nothing else.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text that is already safe HTML (built by `html` or `raw`). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}

type Interpolated = SafeHtml | string | number | null | undefined | boolean | ReadonlyArray<SafeHtml | string>;

/** Tagged template: interpolations are escaped unless they are SafeHtml (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    if (Array.isArray(value)) out += value.map((v) => (v instanceof SafeHtml ? v.value : esc(v))).join('');
    else if (value instanceof SafeHtml) out += value.value;
    else if (value !== null && value !== undefined && value !== false) out += esc(value);
    out += strings[i + 1]!;
  });
  return new SafeHtml(out);
}

export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/** For mail and template previews: no script, no remote anything, sandboxed even when opened directly. */
export const PREVIEW_CSP =
  "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox";

export function securityHeaders(csp: string, extra: Record<string, string> = {}): Headers {
  const headers = new Headers({
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    // same-origin, not no-referrer: with no-referrer, browsers post forms with `Origin: null`.
    'referrer-policy': 'same-origin',
    'x-frame-options': csp.includes("frame-ancestors 'self'") ? 'SAMEORIGIN' : 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
    ...extra,
  });
  return headers;
}

export interface LayoutOptions {
  base: string;
  title: string;
  who?: string;
  csrf?: string;
  flash?: { ok: boolean; message: string };
  active?: 'dashboard' | 'mail' | 'templates';
}

export function layout(options: LayoutOptions, body: SafeHtml): string {
  const { base } = options;
  const nav = (key: LayoutOptions['active'], href: string, label: string) =>
    html`<a href="${base}${href}"${raw(options.active === key ? ' aria-current="page"' : '')}>${label}</a>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Outbox admin</title>
<link rel="stylesheet" href="${base}/static/admin.css"><script src="${base}/static/admin.js" defer></script>
</head><body${raw(options.csrf ? ` data-csrf="${esc(options.csrf)}"` : '')}>
<header><strong>Outbox admin</strong>${
    options.who
      ? html`<nav>${nav('dashboard', '/', 'Dashboard')}${nav('mail', '/mail', 'Mail')}${nav('templates', '/templates', 'Templates')}</nav>
<form method="post" action="${base}/logout" class="logout"><input type="hidden" name="csrf" value="${options.csrf ?? ''}"><span>${options.who}</span> <button>Log out</button></form>`
      : ''
  }</header>
<main>${options.flash ? html`<p class="flash ${options.flash.ok ? 'ok' : 'error'}" role="status">${options.flash.message}</p>` : ''}
<h1>${options.title}</h1>
${body}</main></body></html>`.value;
}

/** A hidden CSRF field for a form. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

export const STATUS_COLORS: Readonly<Record<string, string>> = { queued: '#2563eb', requeued: '#d97706', sent: '#16a34a', failed: '#dc2626' };
const PALETTE = ['#2563eb', '#16a34a', '#dc2626', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** A horizontal bar chart: one bar per label. */
export function barChart(data: ReadonlyArray<readonly [string, number]>, label: string, colors: Readonly<Record<string, string>> = {}): SafeHtml {
  if (data.length === 0) return html`<p class="empty">No data.</p>`;
  const max = Math.max(1, ...data.map(([, v]) => v));
  const rowH = 22;
  const bars = data.map(([name, value], i) => {
    const w = Math.round((value / max) * 260);
    return html`<text x="0" y="${i * rowH + 15}" font-size="12">${name}</text><rect x="110" y="${i * rowH + 4}" width="${Math.max(w, 1)}" height="14" fill="${colors[name] ?? PALETTE[i % PALETTE.length]!}"></rect><text x="${116 + w}" y="${i * rowH + 15}" font-size="12">${value}</text>`;
  });
  return html`<svg role="img" aria-label="${label}" width="440" height="${data.length * rowH + 4}" viewBox="0 0 440 ${data.length * rowH + 4}">${bars}</svg>`;
}

/** Vertical bars over time (sends per hour). */
export function columnChart(data: ReadonlyArray<readonly [number, number]>, label: string): SafeHtml {
  const max = Math.max(1, ...data.map(([, v]) => v));
  const w = 16;
  const h = 100;
  const cols = data.map(([at, value], i) => {
    const bh = Math.round((value / max) * h);
    const hour = new Date(at).toISOString().slice(11, 13);
    return html`<rect x="${i * (w + 2)}" y="${h - bh}" width="${w}" height="${bh}" fill="#2563eb"><title>${hour}:00 UTC: ${value}</title></rect>${
      i % 4 === 0 ? html`<text x="${i * (w + 2)}" y="${h + 14}" font-size="10">${hour}h</text>` : ''
    }`;
  });
  return html`<svg role="img" aria-label="${label}" width="${data.length * (w + 2)}" height="${h + 18}" viewBox="0 0 ${data.length * (w + 2)} ${h + 18}">${cols}<text x="0" y="10" font-size="10">max ${max}</text></svg>`;
}
