/**
 * The two measured defects of issue #16, against a webhook server in a child process mounted
 * with `void webhook.node(req, res)`: a client that resets mid-body must not kill the process,
 * and a 300 MB forged body must be refused early, with flat memory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./support/webhook-server-process.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

let child: ChildProcess;
let port: number;
let exited: Promise<number | null>;

beforeEach(async () => {
  child = fork(script, [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  port = await new Promise<number>((resolve, reject) => {
    child.on('message', (m: { port?: number }) => m.port && resolve(m.port));
    child.on('exit', () => reject(new Error('webhook server process exited before listening')));
  });
});
afterEach(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
});

const rss = () =>
  new Promise<number>((resolve) => {
    const onMessage = (m: { rss?: number }) => {
      if (m.rss === undefined) return;
      child.off('message', onMessage);
      resolve(m.rss);
    };
    child.on('message', onMessage);
    child.send({ rss: true });
  });

const alive = () => child.exitCode === null && child.signalCode === null;

async function post(body: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  await res.arrayBuffer();
  return res.status;
}

describe('a void-mounted webhook server', () => {
  it('stays alive when a client resets the connection mid-body', async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-test-valid: yes\r\nContent-Length: 100000\r\n\r\n`);
          socket.write('['.padEnd(5000, ' '), () => setTimeout(() => {
            socket.resetAndDestroy();
            resolve();
          }, 50));
        });
        socket.on('error', () => undefined);
        setTimeout(() => reject(new Error('could not reset the connection')), 5000);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alive()).toBe(true);
    expect(await post('[]', { 'x-test-valid': 'yes' })).toBe(200);
  });

  it('refuses a 300 MB forged body streamed without Content-Length: stops reading early, memory stays flat', async () => {
    const before = await rss();
    const total = 300 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const { status, sent } = await new Promise<{ status: number | undefined; sent: number }>((resolve) => {
      let sent = 0;
      let status: number | undefined;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve({ status, sent });
      };
      const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
      req.on('response', (res) => {
        status = res.statusCode;
        res.resume();
        res.on('end', finish);
        res.on('error', finish);
      });
      req.on('error', finish);
      req.on('close', () => setTimeout(finish, 100));
      const pump = () => {
        while (sent < total && !done && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (sent >= total) req.end();
      };
      pump();
    });
    const after = await rss();
    expect(alive()).toBe(true);
    if (status !== undefined) expect(status).toBe(413);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  it('answers 413 at once to a declared Content-Length over the cap, without reading it', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(300 * 1024 * 1024) } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024, 0x20));
      setTimeout(() => {
        req.destroy();
        resolve(undefined);
      }, 5000);
    });
    expect(status).toBe(413);
    expect(alive()).toBe(true);
  });
});
