/**
 * Real headless Chromium (Debian's, at /usr/bin/chromium; never a downloaded browser) for the
 * admin's browser tests, and a loopback "tracker" server that counts every request made to
 * it: hostile mail points all its URLs there, so zero hits proves nothing loaded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const screenshotsDir = new URL('../../test-output/', import.meta.url).pathname;

export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = mkdtempSync(`${tmpdir()}/outbox-admin-chromium-`);
  mkdirSync(screenshotsDir, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface Tracker {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

export async function startTracker(): Promise<Tracker> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Mail HTML that tries every way to run script or load something from `tracker`. */
export function hostileHtml(tracker: string): string {
  return `<html><head>
<meta http-equiv="refresh" content="0;url=${tracker}/refresh">
<link rel="stylesheet" href="${tracker}/link.css">
<style>@import url(${tracker}/import.css); body { background: url(${tracker}/style-bg.png); }</style>
<base href="${tracker}/base/">
</head><body onload="fetch('${tracker}/onload')">
<h2 id="greeting">Hello from a hostile mail</h2>
<script>fetch('${tracker}/script'); parent.postMessage('script ran', '*'); document.title = 'pwned';</script>
<img src="${tracker}/remote.png" onerror="fetch('${tracker}/onerror')" alt="tracker pixel">
<img srcset="${tracker}/srcset.png 1x" src="x.png">
<div style="background-image: url('${tracker}/inline-bg.png')">styled</div>
<div style="background: u\\72l(${tracker}/escaped-bg.png)">escaped url</div>
<table background="${tracker}/table-bg.png"><tr><td>cell</td></tr></table>
<form action="${tracker}/form" method="post"><input name="card" value="1234"><button id="submit">Send</button></form>
<iframe src="${tracker}/frame"></iframe><object data="${tracker}/object"></object><embed src="${tracker}/embed">
<svg><image href="${tracker}/svg.png"></image><script>fetch('${tracker}/svg-script')</script></svg>
<video poster="${tracker}/poster.png" src="${tracker}/video.mp4" autoplay></video><audio src="${tracker}/audio.mp3" autoplay></audio>
<a href="${tracker}/click" id="tracked-link">Click me</a>
<a href="javascript:fetch('${tracker}/js-link')">js link</a>
<img src="data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><image href="${tracker}/nested.png"/></svg>`).toString('base64')}">
</body></html>`;
}
