// The quick-start example runs as written (through tsx, as a reader would run it).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('sends one message through the console backend and prints its status', async () => {
  const { stdout } = await promisify(execFile)(`${root}node_modules/.bin/tsx`, ['examples/quickstart/main.ts'], { cwd: root });
  expect(stdout).toContain('Subject: Hello from Anymail for TypeScript');
  expect(stdout).toContain('sent: 1');
  expect(stdout).toMatch(/status: sent via Console/);
}, 60_000);
