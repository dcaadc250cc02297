import { createServer } from 'node:http';
import { createOutbox, createOutboxAdmin } from './src/index.js';
import { ScriptedBackend } from './src/test/index.js';
import { launchChromium, hostileHtml, startTracker } from './test/support/admin-browser.js';
const outbox = await createOutbox({ database: 'sqlite::memory:', backends: { default: new ScriptedBackend() } });
await outbox.migrate();
const tracker = await startTracker();
const mail = await outbox.send({ recipients: 'victim@example.com', subject: 'Hostile', message: 'text part', htmlMessage: hostileHtml(tracker.url) });
const admin = createOutboxAdmin({ outbox, auth: { tokens: [{ name: 'ops', token: 'open sesame 42 xxxxx' }] }, basePath: '/outbox' });
const server = createServer((req, res) => void admin.node(req, res));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as any).port}/outbox`;
const b = await launchChromium();
await b.context.setExtraHTTPHeaders({ authorization: 'Bearer open sesame 42 xxxxx' });
const page = await b.context.newPage();
page.on('console', (m) => console.log('console', m.text()));
await page.goto(`${base}/mail/${mail.id}`, { timeout: 5000 });
console.log('frames', page.frames().map((f) => f.url()));
const frame = page.frameLocator('#mail-preview');
try { console.log('greeting', await frame.locator('#greeting').textContent({ timeout: 3000 })); } catch (e) { console.log('ERR', (e as Error).message.slice(0, 300)); }
try { console.log('content', (await page.frames()[1]!.content()).slice(0, 3000)); } catch (e) { console.log('ERR2', (e as Error).message.slice(0, 300)); }
console.log('hits', tracker.hits);
await b.close(); server.close(); await outbox.close(); await tracker.close();
