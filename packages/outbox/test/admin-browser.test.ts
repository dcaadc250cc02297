/**
 * The admin in real headless Chromium: log in, filter and search, a hostile mail that must
 * neither run nor load anything, requeue a failed mail and watch the worker send it to a
 * fake ESP on loopback, edit a template translation and send with it, and a state change
 * without its CSRF token refused. Screenshots of each page go to test-output/.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { createOutbox, type Outbox } from '../src/index.js';
import { createOutboxAdmin, type AdminLogEntry } from '../src/admin/index.js';
import { LoopbackEspBackend } from './support/loopback-esp-backend.js';
import { hasChromium, hostileHtml, launchChromium, screenshotsDir, startTracker, type Tracker } from './support/admin-browser.js';

const dir = mkdtempSync(join(tmpdir(), 'outbox-admin-browser-'));
const log: AdminLogEntry[] = [];
const worker = new AbortController();
let outbox: Outbox;
let esp: FakeEsp;
let tracker: Tracker;
let server: Server;
let base: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let working: Promise<unknown>;
let espFails = true;
const cspViolations: string[] = [];

const LOGO_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAGAAAAAgCAIAAABiouoDAAAATklEQVR4nO3QQQ0AIBDAsDODMuRjAgd82aPJBCydtY8ezfeDeIAAAQIEKBwgQIAAAQoHCBAgQIDCAQIECBCgcIAAAQIEKBwgQIAAAQp3AYRpZQDRL0QrAAAAAElFTkSuQmCC', 'base64');
const ORDER_HTML = `<div style="font-family: sans-serif; max-width: 520px"><img src="cid:logo@shop" alt="Shop" width="96" height="32">
<h2 style="color: #1f2937">Your order has shipped</h2><p>Hello Ada, order <b>#1042</b> is on its way.</p>
<table style="border-collapse: collapse; width: 100%"><tr><td style="padding: 4px; border-bottom: 1px solid #ddd">Notebook</td><td style="text-align: right">EUR 12.00</td></tr>
<tr><td style="padding: 4px; border-bottom: 1px solid #ddd">Fountain pen</td><td style="text-align: right">EUR 30.00</td></tr></table>
<p><a href="https://shop.example/track/1042">Track your parcel</a></p><img src="https://tracker.example/open.gif" alt="" width="1" height="1"></div>`;

/** Generous: the machine running CI may be busy. */
const POLL = { timeout: 15_000 };

const shot = (name: string) => page.screenshot({ path: `${screenshotsDir}admin-${name}.png`, fullPage: true });

// CI installs Chromium (.ci/run) and never skips these; a developer machine without it does.
describe.skipIf(!hasChromium && !process.env['CI'])('outbox admin in headless Chromium', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    esp = await startFakeEsp({
      'POST /send': () => (espFails ? { status: 503, body: { error: 'try later' } } : { status: 200, body: { id: `esp-${Date.now()}` } }),
    });
    tracker = await startTracker();
    outbox = await createOutbox({
      database: `sqlite:${join(dir, 'mail.db')}`,
      backends: { default: new LoopbackEspBackend({ apiUrl: esp.url }), bulk: new LoopbackEspBackend({ apiUrl: esp.url }) },
      messageIdEnabled: true,
      messageIdFqdn: 'admin.test',
      pollIntervalMs: 100,
    });
    await outbox.migrate();
    const admin = createOutboxAdmin({ outbox, auth: { users: [{ username: 'ops', password: 'open sesame 42' }] }, basePath: '/outbox', log: (e) => void log.push(e) });
    server = createServer((req, res) => void admin.node(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/outbox`;
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('dialog', (dialog) => void dialog.accept()); // the Requeue button's confirm()
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    worker.abort();
    await working;
    await browser?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await outbox?.close();
    await tracker?.close();
    await esp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in through the form and shows the dashboard', async () => {
    const first = await page.goto(`${base}/mail`);
    expect(first!.status()).toBe(401);
    await shot('login');
    await page.fill('input[name=password]', 'wrong password');
    await page.fill('input[name=username]', 'ops');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]'), POLL).toContain('Wrong username or password');
    await page.fill('input[name=username]', 'ops');
    await page.fill('input[name=password]', 'open sesame 42');
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Dashboard")');
    expect(log.map((e) => [e.who, e.action, e.ok])).toEqual([
      ['anonymous(ops)', 'login', false],
      ['ops', 'login', true],
    ]);
  });

  it('filters by status, ESP and recipient, and searches by subject and Message-ID', async () => {
    const mails = await outbox.sendMany(
      Array.from({ length: 12 }, (_, i) => ({
        recipients: `user${i}@${i % 2 ? 'odd' : 'even'}.example`,
        subject: i === 7 ? 'Your invoice 7' : `Newsletter ${i}`,
        backend: i < 4 ? 'bulk' : 'default',
        priority: i % 3 === 0 ? ('high' as const) : ('low' as const),
      })),
    );
    await outbox.db.updateTable('outbox_email').set({ status: 'sent' }).where('id', 'in', mails.slice(0, 6).map((m) => m.id)).execute();
    const rowsShown = async () => (await page.locator('#mail-list tbody tr td:nth-child(4)').allTextContents()).map((t) => t.trim());
    await page.goto(`${base}/mail`);
    expect(await rowsShown()).toHaveLength(12);
    await page.selectOption('select[name=status]', 'sent');
    await page.selectOption('select[name=esp]', 'bulk');
    await page.click('#mail-filters button[type=submit]');
    await page.waitForURL(/status=sent/);
    expect(await rowsShown()).toEqual(['Newsletter 3', 'Newsletter 2', 'Newsletter 1', 'Newsletter 0']);
    await page.goto(`${base}/mail`);
    await page.fill('input[name=recipient]', 'ODD.example');
    await page.selectOption('select[name=priority]', 'high');
    await page.click('#mail-filters button[type=submit]');
    await page.waitForURL(/recipient=/);
    expect(await rowsShown()).toEqual(['Newsletter 9', 'Newsletter 3']);
    await page.goto(`${base}/mail`);
    await page.fill('input[name=q]', 'invoice');
    await page.press('input[name=q]', 'Enter');
    await page.waitForURL(/q=invoice/);
    expect(await rowsShown()).toEqual(['Your invoice 7']);
    await shot('mail-list');
    await page.fill('input[name=q]', mails[10]!.messageId!);
    await page.press('input[name=q]', 'Enter');
    await page.waitForURL(/q=%3C/);
    expect(await rowsShown()).toEqual(['Newsletter 10']);
  });

  it('shows a hostile HTML mail without running or loading anything', async () => {
    const mail = await outbox.send({ recipients: 'victim@example.com', subject: 'Hostile', message: 'text part', htmlMessage: hostileHtml(tracker.url) });
    const messages: string[] = [];
    await page.exposeFunction('reportMessage', (m: string) => void messages.push(m));
    await page.addInitScript("window.addEventListener('message', (e) => window.reportMessage(String(e.data)))");
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${base}/mail/${mail.id}`);
    const frame = page.frameLocator('#mail-preview');
    await expect.poll(() => frame.locator('h2').textContent(), POLL).toBe('Hello from a hostile mail');
    expect(await page.getAttribute('#mail-preview', 'sandbox')).toBe('');
    // Click the link inside the preview: the sandbox has no allow-popups, so nothing opens.
    await frame.locator('a', { hasText: 'Click me' }).click();
    await page.waitForTimeout(1000);
    await shot('mail-hostile');
    expect(tracker.hits).toEqual([]);
    expect(requests.filter((u) => u.startsWith(tracker.url))).toEqual([]);
    expect(messages).toEqual([]);
    expect(await page.title()).not.toBe('pwned');
    // Control: the tracker does count what this browser loads.
    await page.context().request.get(`${tracker.url}/control`);
    expect(tracker.hits).toEqual(['GET /control']);
    const previewHtml = await (await page.context().request.get(`${base}/mail/${mail.id}/preview`)).text();
    expect(previewHtml).not.toMatch(/<script|onload|onerror|<form|<iframe|<object|<embed|<svg|<video|<audio|<base|<link|<meta http|url\(|javascript:/i);
    // The one URL left is the plain link, which opens nothing (clicked above: no hit).
    expect(previewHtml.split(tracker.url).length - 1).toBe(1);
    expect(previewHtml).toContain(`<a href="${tracker.url}/click" target="_blank" rel="noopener noreferrer">`);
  });

  it('requeues a failed mail and the worker sends it to the fake ESP', async () => {
    const mail = await outbox.send({
      recipients: 'retry@example.com',
      sender: 'Shop <shop@example.com>',
      subject: 'Failed once',
      message: 'Your order #1042 has shipped. Track it at https://shop.example/track/1042',
      htmlMessage: ORDER_HTML,
      headers: { 'X-Campaign': 'shipping' },
      attachments: [
        { name: 'logo.png', content: LOGO_PNG, mimetype: 'image/png', contentId: 'logo@shop' },
        { name: 'invoice-1042.txt', content: 'Invoice 1042: 2 items, EUR 42.00', mimetype: 'text/plain' },
      ],
    });
    await outbox.sendQueued();
    expect((await outbox.get(mail.id))!.status).toBe('failed');
    espFails = false;
    working = outbox.work({ signal: worker.signal });
    await page.goto(`${base}/mail/${mail.id}`);
    expect(await page.textContent('#mail-log')).toContain('503');
    const callsBefore = esp.calls.length;
    await page.click('#action-requeue');
    await expect.poll(() => page.textContent('[role=status]'), POLL).toContain('requeued');
    await expect.poll(async () => (await page.reload(), page.textContent('#mail-status')), POLL).toBe('sent');
    await shot('mail');
    const delivered = esp.calls.slice(callsBefore).map((c) => c.json() as { to: string[]; subject: string });
    expect(delivered).toEqual([expect.objectContaining({ to: ['retry@example.com'], subject: 'Failed once' })]);
    expect(await page.textContent('#mail-log')).toContain('Requeued from the admin by ops.');
    // The inline logo shows (cid: became a data: URL); the remote open-tracking pixel does not load.
    await expect.poll(() => page.frameLocator('#mail-preview').locator('img[alt=Shop]').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), POLL).toBe(96);
  });

  it('edits a template translation with errors shown at the line, previews it live, and sends with it', async () => {
    const welcome = await outbox.templates.create({ name: 'welcome', subject: 'Welcome {{ name }}', content: 'Hello {{ name }}', htmlContent: '<p>Hello {{ name }}</p>' });
    await outbox.templates.create({ name: 'welcome', language: 'fr', defaultTemplate: welcome, subject: 'Bienvenue', content: 'Bonjour', htmlContent: '<p>Bonjour</p>' });
    await page.goto(`${base}/templates`);
    await shot('templates');
    await page.click('a.translation:text("fr")');
    await page.fill('#field-context', '{"name": "Ada"}');
    await page.fill('#field-html', '<p>Bonjour</p>\n<p>{{ name | shout }}</p>');
    await expect.poll(() => page.textContent('#error-html'), POLL).toContain('Line 2, column 4: undefined filter: shout');
    await shot('template-error');
    await page.fill('#field-subject', 'Bienvenue {{ name }}');
    await page.fill('#field-content', 'Bonjour {{ name }}, ravi de vous voir.');
    await page.fill('#field-html', '<p>Bonjour <b>{{ name }}</b></p>');
    await expect.poll(() => page.textContent('#preview-subject'), POLL).toBe('Bienvenue Ada');
    await expect.poll(() => page.frameLocator('#template-preview').locator('b').textContent(), POLL).toBe('Ada');
    await shot('template-editor');
    await page.click('#save-button');
    await expect.poll(() => page.textContent('[role=status]'), POLL).toBe('Saved.');
    expect(log.at(-1)).toMatchObject({ who: 'ops', action: 'save template', ok: true });
    // Send with it: from the application, and from the editor's "Send a test" form.
    const calls = esp.calls.length;
    const mail = await outbox.send({ recipients: 'zoe@example.com', template: 'welcome', language: 'fr', context: { name: 'Zoé' } });
    await expect.poll(async () => (await outbox.get(mail.id))!.status, POLL).toBe('sent');
    await page.fill('#send-test input[name=to]', 'ops@example.com');
    await page.fill('#send-test input[name=context]', '{"name": "Léa"}');
    await page.click('#send-test-button');
    await expect.poll(() => page.textContent('[role=status]'), POLL).toContain('Test mail');
    await expect.poll(async () => (await page.reload(), page.textContent('#mail-status')), POLL).toBe('sent');
    expect(esp.calls.slice(calls).map((c) => c.json())).toEqual([
      expect.objectContaining({ to: ['zoe@example.com'], subject: 'Bienvenue Zoé', text: 'Bonjour Zoé, ravi de vous voir.' }),
      expect.objectContaining({ to: ['ops@example.com'], subject: 'Bienvenue Léa', text: 'Bonjour Léa, ravi de vous voir.' }),
    ]);
  });

  it('refuses a state change whose CSRF token was removed', async () => {
    const mail = await outbox.send({ recipients: 'keep@example.com', subject: 'Keep me queued', scheduledTime: new Date(Date.now() + 3_600_000) });
    await page.goto(`${base}/mail/${mail.id}`);
    await page.evaluate("document.querySelectorAll('form input[name=csrf]').forEach((input) => input.remove())");
    await page.click('#action-cancel');
    await page.waitForSelector('h1:text("Refused")');
    expect(await page.textContent('main')).toContain('CSRF token missing or wrong');
    expect((await outbox.get(mail.id))!.status).toBe('queued');
    expect(log.at(-1)).toMatchObject({ who: 'ops', ok: false, detail: 'missing or wrong CSRF token' });
    await page.goto(`${base}/`);
    await shot('dashboard');
    // Every page ran its script and styles from the admin's own files: the CSP never had to refuse anything.
    expect(cspViolations).toEqual([]);
  });
});
