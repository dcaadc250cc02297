/**
 * `createOutboxAdmin()`: the admin as a web-standard `fetch` handler and a node:http one.
 * Every request goes through one pipeline: static files; login; authentication; for any
 * state change an Origin check and a CSRF token; then the page. Every action is logged
 * with who did it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AnymailConfigurationError } from '@anymail/core';
import type { Outbox } from '../outbox.js';
import { AdminAuth, LoginThrottle, SESSION_COOKIE, type OutboxAdminAuth, type Principal } from './admin-auth.js';
import { html, layout, PAGE_CSP, securityHeaders } from './admin-html.js';
import { handleMail } from './admin-mail-pages.js';
import { handleNode } from './admin-node.js';
import { AdminQueries } from './admin-queries.js';
import { ADMIN_CSS, ADMIN_JS } from './admin-static.js';
import { handleTemplates } from './admin-template-pages.js';
import { dashboardPage } from './admin-dashboard-page.js';

/** One line of the action log. */
export interface AdminLogEntry {
  at: Date;
  /** The user or token name, or 'anonymous' for refused requests. */
  who: string;
  action: string;
  target?: string;
  ok: boolean;
  detail?: string;
}

export interface OutboxAdminOptions {
  outbox: Outbox;
  /** Credentials; the admin refuses to start without one. */
  auth: OutboxAdminAuth;
  /** Where the admin is mounted, e.g. '/outbox'. @default '' */
  basePath?: string;
  /** Receives every action (and refused state change). @default one line on stderr */
  log?: (entry: AdminLogEntry) => void;
  /** Origins besides the request's own allowed to post (a reverse proxy's public origin). */
  allowedOrigins?: readonly string[];
  /** Mail per list page. @default 50 */
  pageSize?: number;
}

export interface OutboxAdmin {
  fetch(request: Request): Promise<Response>;
  node(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** What a page handler gets. */
export interface AdminRequest {
  request: Request;
  url: URL;
  /** The path below basePath, always starting with '/'. */
  path: string;
  base: string;
  principal: Principal;
  csrf: string;
  form: URLSearchParams;
  queries: AdminQueries;
  outbox: Outbox;
  pageSize: number;
  log(action: string, target: string | undefined, ok: boolean, detail?: string): void;
}

const MAX_BODY = 1_000_000;

export function page(status: number, body: string, extraHeaders: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: securityHeaders(PAGE_CSP, { 'content-type': 'text/html; charset=utf-8', ...extraHeaders }) });
}

export function redirect(location: string, extraHeaders: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: securityHeaders(PAGE_CSP, { location, ...extraHeaders }) });
}

function defaultLog(entry: AdminLogEntry): void {
  const target = entry.target ? ` ${entry.target}` : '';
  process.stderr.write(`anymail-outbox admin: ${entry.at.toISOString()} ${entry.who} ${entry.action}${target} ${entry.ok ? 'ok' : 'refused'}${entry.detail ? `: ${entry.detail}` : ''}\n`);
}

function loginPage(base: string, status: number, message?: string): Response {
  const body = html`<form method="post" action="${base}/login" class="login">
${message ? html`<p class="flash error" role="alert">${message}</p>` : ''}
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button></form>`;
  return page(status, layout({ base, title: 'Log in' }, body));
}

async function readForm(request: Request): Promise<URLSearchParams | Response> {
  if (request.method === 'GET' || request.method === 'HEAD') return new URLSearchParams();
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_BODY) return new Response('Request body too large.', { status: 413 });
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    return new Response('Send forms as application/x-www-form-urlencoded.', { status: 415, headers: securityHeaders(PAGE_CSP) });
  }
  const text = await request.text();
  if (text.length > MAX_BODY) return new Response('Request body too large.', { status: 413 });
  return new URLSearchParams(text);
}

/**
 * Cross-site requests are refused before the CSRF token is even looked at. Browsers say where
 * a request comes from in Sec-Fetch-Site (which pages cannot forge); older ones in Origin.
 * Clients that send neither (curl, scripts) still need the CSRF token or a bearer token.
 */
function sameOrigin(request: Request, url: URL, allowed: readonly string[]): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  return origin === url.origin || allowed.includes(origin);
}

export function createOutboxAdmin(options: OutboxAdminOptions): OutboxAdmin {
  if (!options.outbox) throw new AnymailConfigurationError('createOutboxAdmin needs { outbox }: the Outbox to administer.');
  const auth = new AdminAuth(options.auth);
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  if (base !== '' && !/^\/[A-Za-z0-9._~/-]*$/.test(base)) throw new AnymailConfigurationError(`Outbox admin basePath must look like '/outbox' (got '${base}').`);
  const queries = new AdminQueries(options.outbox);
  const throttle = new LoginThrottle();
  const writeLog = options.log ?? defaultLog;
  const allowed = options.allowedOrigins ?? [];
  const pageSize = options.pageSize ?? 50;
  const secure = (url: URL) => (url.protocol === 'https:' ? '; Secure' : '');

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (base && url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return page(404, 'Not found');
    const path = url.pathname.slice(base.length) || '/';
    const log = (who: string, action: string, target: string | undefined, ok: boolean, detail?: string) =>
      writeLog({ at: new Date(), who, action, ...(target === undefined ? {} : { target }), ok, ...(detail === undefined ? {} : { detail }) });

    if (request.method === 'GET' && (path === '/static/admin.js' || path === '/static/admin.css')) {
      const js = path.endsWith('.js');
      return new Response(js ? ADMIN_JS : ADMIN_CSS, {
        headers: securityHeaders(PAGE_CSP, { 'content-type': js ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }),
      });
    }
    const isWrite = request.method !== 'GET' && request.method !== 'HEAD';
    if (isWrite && !sameOrigin(request, url, allowed)) {
      log('anonymous', `${request.method} ${path}`, undefined, false, 'cross-origin request');
      return page(403, 'Cross-origin requests cannot change anything here.');
    }
    const form = await readForm(request);
    if (form instanceof Response) return form;

    if (path === '/login') {
      if (!isWrite) return loginPage(base, 200);
      const username = (form.get('username') ?? '').slice(0, 128);
      if (throttle.blocked(username)) {
        log(`anonymous(${username.slice(0, 64)})`, 'login', undefined, false, 'too many wrong passwords');
        return loginPage(base, 429, 'Too many wrong passwords for this user: try again in 15 minutes.');
      }
      const who = auth.checkPassword(username, form.get('password') ?? '');
      log(who ?? `anonymous(${username.slice(0, 64)})`, 'login', undefined, who !== undefined);
      if (who === undefined) {
        throttle.failed(username);
        return loginPage(base, 401, 'Wrong username or password.');
      }
      throttle.succeeded(username);
      const cookie = `${SESSION_COOKIE}=${auth.newSession(who)}; Path=${base || '/'}; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(auth.sessionMs / 1000)}${secure(url)}`;
      return redirect(`${base}/`, { 'set-cookie': cookie });
    }
    const principal = auth.identify(request.headers);
    if (!principal) {
      if (request.headers.get('authorization')) log('anonymous', `${request.method} ${path}`, undefined, false, 'bad credentials');
      const wantsHtml = (request.headers.get('accept') ?? '').includes('text/html');
      if (wantsHtml && auth.hasUsers) return loginPage(base, 401);
      return new Response('Authentication required.', { status: 401, headers: securityHeaders(PAGE_CSP, { 'www-authenticate': 'Bearer realm="anymail-outbox-admin"' }) });
    }
    if (isWrite && !auth.checkCsrf(principal, form.get('csrf') ?? request.headers.get('x-csrf-token'))) {
      log(principal.who, `${request.method} ${path}`, undefined, false, 'missing or wrong CSRF token');
      return page(403, layout({ base, title: 'Refused' }, html`<p>This form has expired or did not come from this admin (CSRF token missing or wrong). Go back, reload the page and try again.</p>`));
    }
    if (path === '/logout' && isWrite) {
      log(principal.who, 'logout', undefined, true);
      return redirect(`${base}/login`, { 'set-cookie': `${SESSION_COOKIE}=; Path=${base || '/'}; HttpOnly; SameSite=Strict; Max-Age=0${secure(url)}` });
    }
    const context: AdminRequest = {
      request,
      url,
      path,
      base,
      principal,
      csrf: auth.csrfToken(principal),
      form,
      queries,
      outbox: options.outbox,
      pageSize,
      log: (action, target, ok, detail) => log(principal.who, action, target, ok, detail),
    };
    if (path === '/' && !isWrite) return dashboardPage(context);
    if (path === '/mail' || path.startsWith('/mail/')) return (await handleMail(context)) ?? notFound(context);
    if (path === '/templates' || path.startsWith('/templates/')) return (await handleTemplates(context)) ?? notFound(context);
    return notFound(context);
  }

  async function fetchHandler(request: Request): Promise<Response> {
    try {
      return await handle(request);
    } catch (error) {
      // Never show internals (they may name a database URL): log them, answer plainly.
      writeLog({ at: new Date(), who: 'system', action: 'error', ok: false, detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      return page(500, 'The admin hit an error; it is in the server log.');
    }
  }

  return { fetch: fetchHandler, node: (req, res) => handleNode(fetchHandler, req, res) };
}

export function notFound(context: AdminRequest): Response {
  return page(404, layout({ base: context.base, title: 'Not found', who: context.principal.who, csrf: context.csrf }, html`<p>Nothing here: ${context.path}</p>`));
}
