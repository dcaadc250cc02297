/**
 * The admin over its fetch handler and over real node:http: credentials, CSRF and Origin
 * checks, security headers, the sanitizer, redaction, actions and the action log. The
 * browser-level proofs are in admin-browser.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrackingEvent, FailoverBackend } from '@anymail/core';
import { startFakeEsp } from '@anymail/core/test';
import { PostmarkBackend } from '@anymail/postmark';
import { postmarkFakeRoutes } from '@anymail/postmark/test';
import { SendGridBackend } from '@anymail/sendgrid';
import { createOutbox, type Outbox } from '../src/index.js';
import { createOutboxAdmin, type AdminLogEntry, type OutboxAdmin } from '../src/admin/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { sanitizeMailHtml } from '../src/admin/admin-sanitize.js';
import { checkTemplate } from '../src/admin/admin-template-check.js';
import { redact } from '../src/admin/admin-mail-detail.js';
import { serveAdmin } from '../src/admin/admin-cli.js';
import { runCli } from '../src/cli/anymail-outbox.js';

const dir = mkdtempSync(join(tmpdir(), 'outbox-admin-http-'));
const backend = new ScriptedBackend();
const entries: AdminLogEntry[] = [];
let outbox: Outbox;
let admin: OutboxAdmin;
let server: Server;
let origin: string;
const basic = `Basic ${Buffer.from('alice:correct horse battery').toString('base64')}`;
const bearer = 'Bearer 0123456789abcdef-script';

beforeAll(async () => {
  outbox = await createOutbox({ database: `sqlite:${join(dir, 'mail.db')}`, backends: { default: backend }, messageIdEnabled: true });
  await outbox.migrate();
  admin = createOutboxAdmin({
    outbox,
    basePath: '/outbox',
    auth: { users: [{ username: 'alice', password: 'correct horse battery' }], tokens: [{ name: 'deploy', token: '0123456789abcdef-script' }] },
    log: (entry) => void entries.push(entry),
  });
  server = createServer((req, res) => void admin.node(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}) {
  return fetch(`${origin}${path}`, { headers, redirect: 'manual' });
}

function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${origin}${path}`, {
    method: 'POST',
    body: new URLSearchParams(form),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, ...headers },
    redirect: 'manual',
  });
}

async function csrfFor(authorization: string): Promise<string> {
  const page = await (await get('/outbox/mail', { authorization })).text();
  return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
}

describe('outbox admin over HTTP', () => {
  it('refuses to start without a credential, and serves nothing but the login page without one', async () => {
    expect(() => createOutboxAdmin({ outbox, auth: {} })).toThrow(/serves nothing without a credential/);
    expect(() => createOutboxAdmin({ outbox, auth: { users: [{ username: 'a', password: 'short' }] } })).toThrow(/at least 8/);
    const anonymous = await get('/outbox/mail', { accept: 'text/html' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain('name="password"');
    expect((await get('/outbox/mail')).status).toBe(401);
    expect((await get('/outbox/mail', { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect((await get('/outbox/mail', { authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` })).status).toBe(401);
    expect((await get('/elsewhere', { authorization: basic })).status).toBe(404);
  });

  it('stops password guessing: ten wrong passwords lock that username for a while', async () => {
    for (let i = 0; i < 10; i++) expect((await post('/outbox/login', { username: 'mallory', password: `guess ${i}` })).status).toBe(401);
    const locked = await post('/outbox/login', { username: 'mallory', password: 'guess 11' });
    expect(locked.status).toBe(429);
    expect(await locked.text()).toContain('Too many wrong passwords');
    expect((await post('/outbox/login', { username: 'alice', password: 'correct horse battery' })).status).toBe(303);
  });

  it('sends strict security headers on pages and a sandboxing CSP on previews', async () => {
    const mail = await outbox.send({ recipients: 'h@example.com', subject: 'headers', htmlMessage: '<p>hi</p>' });
    const pageResponse = await get(`/outbox/mail/${mail.id}`, { authorization: basic });
    expect(pageResponse.status).toBe(200);
    const csp = pageResponse.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(pageResponse.headers.get('x-content-type-options')).toBe('nosniff');
    expect(pageResponse.headers.get('referrer-policy')).toBe('same-origin');
    expect(await pageResponse.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    const preview = await get(`/outbox/mail/${mail.id}/preview`, { authorization: basic });
    expect(preview.headers.get('content-security-policy')).toBe(
      "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox",
    );
  });

  it('logs in with the form (session cookie) and refuses a state change without the CSRF token or from another origin', async () => {
    const login = await post('/outbox/login', { username: 'alice', password: 'correct horse battery' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const session = cookie.split(';')[0]!;
    const failed = await outbox.send({ recipients: 'csrf@example.com', subject: 'csrf' });
    await outbox.db.updateTable('outbox_email').set({ status: 'failed' }).where('id', '=', failed.id).execute();
    expect((await post(`/outbox/mail/${failed.id}/requeue`, {}, { cookie: session })).status).toBe(403);
    expect((await post(`/outbox/mail/${failed.id}/requeue`, { csrf: 'forged' }, { cookie: session })).status).toBe(403);
    const csrf = await csrfFor(basic);
    // Basic credentials are sent by browsers on their own too: they need the token as well.
    expect((await post(`/outbox/mail/${failed.id}/requeue`, { csrf: 'forged' }, { authorization: basic })).status).toBe(403);
    expect((await post(`/outbox/mail/${failed.id}/requeue`, { csrf }, { authorization: basic, origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(`/outbox/mail/${failed.id}/requeue`, { csrf }, { authorization: basic, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await outbox.get(failed.id))!.status).toBe('failed');
    expect(entries.filter((e) => !e.ok && e.detail?.includes('CSRF')).length).toBeGreaterThanOrEqual(3);
    const ok = await post(`/outbox/mail/${failed.id}/requeue`, { csrf }, { authorization: basic });
    expect(ok.status).toBe(303);
    expect((await outbox.get(failed.id))!.status).toBe('queued');
    expect(entries.at(-1)).toMatchObject({ who: 'alice', action: 'requeue', target: `mail #${failed.id}`, ok: true });
    expect((await outbox.logs(failed.id)).at(-1)!.message).toBe('Requeued from the admin by alice.');
    // A bearer token is never attached by a browser on its own: scripts need no CSRF token.
    const cancel = await post(`/outbox/mail/${failed.id}/cancel`, {}, { authorization: bearer });
    expect(cancel.status).toBe(303);
    expect(entries.at(-1)).toMatchObject({ who: 'token:deploy', action: 'cancel', ok: true });
  });

  it('a requeued mail is sent once more without being mistaken for a lease-expired resend', async () => {
    backend.failFor('once@example.com', new TypeError('not today'), 1);
    const mail = await outbox.send({ recipients: 'once@example.com', subject: 'once' });
    await outbox.sendQueued();
    expect((await outbox.get(mail.id))!.status).toBe('failed');
    expect((await post(`/outbox/mail/${mail.id}/requeue`, {}, { authorization: bearer })).status).toBe(303);
    await outbox.sendQueued();
    const logs = await outbox.logs(mail.id);
    expect(logs.map((l) => [l.status, l.exceptionType])).toEqual([
      ['failed', 'TypeError'],
      ['queued', 'AdminRequeue'],
      ['sent', ''],
    ]);
  });

  it('requeues every failed mail matching the list filter, and only those', async () => {
    const mails = await outbox.sendMany(['a@bulkfail.example', 'b@bulkfail.example', 'c@other.example', 'd@bulkfail.example'].map((to) => ({ recipients: to, subject: 'bulk' })));
    const failedIds = mails.slice(0, 3).map((m) => m.id);
    await outbox.db.updateTable('outbox_email').set({ status: 'failed' }).where('id', 'in', failedIds).execute();
    const csrf = await csrfFor(basic);
    const listing = await (await get('/outbox/mail?status=failed&recipient=bulkfail', { authorization: basic })).text();
    expect(listing).toContain('id="action-requeue-all"');
    const done = await post('/outbox/mail/requeue', { csrf, status: 'failed', recipient: 'bulkfail' }, { authorization: basic });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/outbox/mail?status=failed&recipient=bulkfail&requeued=2');
    const statuses = await Promise.all(mails.map(async (m) => (await outbox.get(m.id))!.status));
    expect(statuses).toEqual(['queued', 'queued', 'failed', 'queued']);
    expect((await outbox.logs(mails[0]!.id)).at(-1)!.message).toMatch(/^Requeued from the admin by alice/);
    const after = await (await get(done.headers.get('location')!, { authorization: basic })).text();
    expect(after).toContain('2 failed mail requeued');
  });

  it('resends a copy with a new Message-ID, and refuses a requeue of sent mail', async () => {
    const mail = await outbox.send({ recipients: 'copy@example.com', subject: 'copy me' });
    await outbox.sendQueued();
    const refused = await post(`/outbox/mail/${mail.id}/requeue`, {}, { authorization: bearer });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('only failed or requeued mail');
    const resent = await post(`/outbox/mail/${mail.id}/resend`, {}, { authorization: bearer });
    const newId = Number(/\/mail\/(\d+)/.exec(resent.headers.get('location')!)![1]);
    const copy = (await outbox.get(newId))!;
    expect(copy).toMatchObject({ status: 'queued', subject: 'copy me', to: ['copy@example.com'] });
    expect(copy.messageId).not.toBe(mail.messageId);
    // A caller-set Message-ID (kept in the stored message too) is not copied: the copy goes out with its new one.
    const own = await outbox.send({ recipients: 'own-id@example.com', subject: 'own id', headers: { 'Message-ID': '<mine@caller.example>' } });
    await outbox.sendQueued();
    const again = await post(`/outbox/mail/${own.id}/resend`, {}, { authorization: bearer });
    const againId = Number(/\/mail\/(\d+)/.exec(again.headers.get('location')!)![1]);
    await outbox.sendQueued();
    const delivered = backend.sent.filter((m) => m.to[0] === 'own-id@example.com').map((m) => m.headers['Message-ID']);
    expect(delivered).toEqual(['<mine@caller.example>', (await outbox.get(againId))!.messageId]);
    expect(delivered[1]).not.toBe('<mine@caller.example>');
  });

  it('shows what the ESP said: ESP filter by recorded ESP (alias for unsent rows), search by ESP message id, recipients, tracking, failover attempts', async () => {
    const sendgrid = await startFakeEsp({ 'POST /v3/mail/send': () => ({ status: 503, body: { errors: [{ message: 'down for maintenance' }] } }) });
    const postmark = await startFakeEsp(postmarkFakeRoutes());
    const failover = new FailoverBackend({
      backends: [new SendGridBackend({ apiKey: 'SG.key', apiUrl: `${sendgrid.url}v3/` }), new PostmarkBackend({ serverToken: 'token', apiUrl: postmark.url })],
    });
    const espDir = mkdtempSync(join(tmpdir(), 'outbox-admin-esp-'));
    const espOutbox = await createOutbox({ database: `sqlite:${join(espDir, 'mail.db')}`, backends: { default: failover, later: new ScriptedBackend() } });
    try {
      await espOutbox.migrate();
      const espAdmin = createOutboxAdmin({ outbox: espOutbox, auth: { tokens: [{ name: 't', token: '0123456789abcdef-script' }] } });
      const view = (path: string) => espAdmin.fetch(new Request(`http://x${path}`, { headers: { authorization: bearer } })).then((r) => r.text());
      const sent = await espOutbox.send({ sender: 'from@example.com', recipients: ['ann@example.com', 'Bob <bob@example.com>'], subject: 'via failover' });
      await espOutbox.sendQueued();
      const waiting = await espOutbox.send({ sender: 'from@example.com', recipients: 'cat@example.com', subject: 'not sent yet', backend: 'later', scheduledTime: Date.now() + 3_600_000 });
      const espMessageId = (await espOutbox.get(sent.id))!.espMessageId!;
      expect(espMessageId).toMatch(/\S/);
      await espOutbox.trackingReceiver()({ event: createTrackingEvent({ eventType: 'delivered', espName: 'Postmark', espEvent: {}, messageId: espMessageId, recipient: 'ann@example.com' }) });

      const listed = (html: string) => html.match(/via failover|not sent yet/g) ?? [];
      expect(await view('/mail')).toContain('<option value="Postmark">Postmark</option>');
      expect(listed(await view('/mail?esp=Postmark'))).toEqual(['via failover']);
      expect(listed(await view('/mail?esp=default'))).toEqual([]); // sent mail goes by the ESP that sent it
      expect(listed(await view('/mail?esp=later'))).toEqual(['not sent yet']); // unsent: by backend alias
      expect(listed(await view(`/mail?q=${encodeURIComponent(espMessageId)}`))).toEqual(['via failover']);

      const detail = await view(`/mail/${sent.id}`);
      expect(detail).toContain('<dd id="esp-name">Postmark</dd>');
      expect(detail).toContain(`<dd id="esp-message-ids">${espMessageId}</dd>`);
      expect(detail).toContain('<dd id="delivery-status">delivered</dd>');
      const recipients = /<table id="esp-recipients">([\s\S]*?)<\/table>/.exec(detail)![1]!;
      expect(recipients).toMatch(/<td>ann@example\.com<\/td><td>sent<\/td><td><span class="status status-delivered">delivered<\/span><\/td>/);
      expect(recipients).toMatch(/<td>bob@example\.com<\/td><td>sent<\/td><td><span class="status status-sent">sent<\/span><\/td>/);
      const attempts = /<table id="esp-attempts">([\s\S]*?)<\/table>/.exec(detail)![1]!;
      expect(attempts.match(/<td>(SendGrid|Postmark)<\/td><td>[^<]*<\/td>/g)).toEqual(['<td>SendGrid</td><td>server</td>', '<td>Postmark</td><td>sent</td>']);
      expect(await view(`/mail/${waiting.id}`)).toContain('id="esp-result">Nothing recorded');
    } finally {
      await espOutbox.close();
      await sendgrid.close();
      await postmark.close();
      rmSync(espDir, { recursive: true, force: true });
    }
  });

  it('lists with filters, search by Message-ID and keyset pages', async () => {
    const sent = await outbox.sendMany(Array.from({ length: 7 }, (_, i) => ({ recipients: `page${i}@list.example`, subject: `page ${i}` })));
    const small = createOutboxAdmin({ outbox, auth: { tokens: [{ name: 't', token: '0123456789abcdef-script' }] }, pageSize: 3 });
    const list = (query: string) => small.fetch(new Request(`http://x/mail?${query}`, { headers: { authorization: bearer } })).then((r) => r.text());
    const first = await list('recipient=list.example');
    expect(first.match(/page\d@list\.example/g)).toEqual(['page6@list.example', 'page5@list.example', 'page4@list.example']);
    const next = /href="\/mail\?([^"]+)" rel="next"/.exec(first)![1]!.replaceAll('&amp;', '&');
    expect((await list(next)).match(/page\d@list\.example/g)).toEqual(['page3@list.example', 'page2@list.example', 'page1@list.example']);
    const byId = await list(`q=${encodeURIComponent(sent[2]!.messageId!.slice(1, -1))}`);
    expect(byId.match(/page\d@list\.example/g)).toEqual(['page2@list.example']);
    // LIKE wildcards in the search match literally.
    await outbox.sendMany([{ recipients: 'pct@list.example', subject: 'Save 100% now' }, { recipients: 'pct@list.example', subject: 'Save 1000 now' }]);
    const percent = await list('q=100%25');
    expect(percent).toContain('Save 100% now');
    expect(percent).not.toContain('Save 1000 now');
    expect(await list('recipient=pct%40list_example')).toContain('No mail matches.');
  });

  it('works behind a body parser that already read the form (express.urlencoded-style)', async () => {
    const parsed = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        (req as typeof req & { body: unknown }).body = Object.fromEntries(new URLSearchParams(text));
        void admin.node(req, res);
      });
    });
    await new Promise<void>((resolve) => parsed.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(parsed.address() as AddressInfo).port}`;
    try {
      const response = await fetch(`${at}/outbox/login`, {
        method: 'POST',
        body: new URLSearchParams({ username: 'alice', password: 'correct horse battery' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: at },
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
    } finally {
      await new Promise<void>((resolve) => parsed.close(() => resolve()));
    }
  });

  it('never shows espExtra values or credential-like keys', () => {
    expect(redact({ espExtra: { api_key: 'k', message_stream: 'x' }, metadata: { user: 'u', authToken: 't' } })).toEqual({
      espExtra: { api_key: '•••• (hidden)', message_stream: '•••• (hidden)' },
      metadata: { user: 'u', authToken: '•••• (hidden)' },
    });
  });
});

describe('anymail-outbox admin (CLI)', () => {
  it('needs credentials from the environment, binds 127.0.0.1 and serves until stopped', async () => {
    const errors: string[] = [];
    const io = { out: () => undefined, err: (t: string) => void errors.push(t), isTty: false, env: {} };
    expect(await runCli(['admin', '--database', `sqlite:${join(dir, 'mail.db')}`], io)).toBe(2);
    expect(errors.join('')).toMatch(/set ANYMAIL_OUTBOX_ADMIN_USER and ANYMAIL_OUTBOX_ADMIN_PASSWORD, or ANYMAIL_OUTBOX_ADMIN_TOKEN/);
    const lines: string[] = [];
    const stop = new AbortController();
    const env = { ANYMAIL_OUTBOX_ADMIN_TOKEN: 'cli-token-0123456789abcdef' };
    const serving = serveAdmin(outbox, { port: '0', env, out: (l) => void lines.push(l), signal: stop.signal });
    await expect.poll(() => lines.length).toBe(1);
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(lines[0]!)![0];
    expect((await fetch(`${url}mail`)).status).toBe(401);
    expect((await fetch(`${url}mail`, { headers: { authorization: `Bearer ${env.ANYMAIL_OUTBOX_ADMIN_TOKEN}` } })).status).toBe(200);
    stop.abort();
    await serving;
  });
});

describe('admin sanitizer and template check', () => {
  it('strips scripts, handlers, forms, remote images and CSS URLs', () => {
    const out = sanitizeMailHtml(
      `<p onclick="x()">hi</p><script>alert(1)</script><img src="http://127.0.0.1:1/a.png" onerror="x()"><form action="http://e"><input></form>
       <div style="background:url(http://127.0.0.1:1/b)">bg</div><style>@import url(http://e/c.css)</style><a href="javascript:alert(1)">j</a>
       <img src="cid:logo@x">`,
      new Map([['logo@x', 'data:image/png;base64,AAAA']]),
    );
    expect(out).not.toMatch(/script|onclick|onerror|<form|<input|url\(|@import|javascript:|127\.0\.0\.1/);
    expect(out).toContain('<img src="data:image/png;base64,AAAA" />');
    expect(out).toContain('[remote image not loaded]');
    // A style sheet without URLs stays (mail is laid out with them); markup inside stays text.
    expect(sanitizeMailHtml('<style>p { color: red } td > b { margin: 0 }</style><p>x</p>')).toBe('<style>p { color: red } td > b { margin: 0 }</style><p>x</p>');
    expect(sanitizeMailHtml('<style>p { background: url(http://e/x) }</style><p>x</p>')).toBe('<p>x</p>');
    expect(sanitizeMailHtml('<svg><style><img src=x onerror=alert(1)></style></svg>')).not.toMatch(/onerror|<img[^>]*src/);
  });

  it('reports template errors at their field, line and column', async () => {
    const check = await checkTemplate({ subject: 'Hi {{ name }}', content: 'ok\n{% if x %}\nnever closed', html: '<p>{{ name | nofilter }}</p>', context: '{"name": "Ada",\n "x": }' }, undefined);
    expect(check.errors).toEqual([
      expect.objectContaining({ field: 'context', line: 2, col: 7 }),
      expect.objectContaining({ field: 'content', line: 2, col: 1, message: 'tag {% if x %} not closed' }),
      expect.objectContaining({ field: 'html', line: 1, col: 4, message: 'undefined filter: nofilter', excerpt: '<p>{{ name | nofilter }}</p>\n   ^' }),
    ]);
    const good = await checkTemplate({ subject: 'Hi {{ name }}', content: '', html: '<b>{{ name }}</b>', context: '{"name": "<Ada>"}' }, undefined);
    expect(good).toMatchObject({ errors: [], subject: 'Hi <Ada>', html: '<b>&lt;Ada&gt;</b>' });
  });
});

