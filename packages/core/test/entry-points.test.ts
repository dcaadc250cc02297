// Issue 14: entry points by role, and what loading them costs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

/** The module URLs a fresh Node process loads to import `file` (run through tsx, as sources). */
function modulesLoadedBy(file: string): string[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/record-imports.mjs', import.meta.url)), file], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as string[];
}

describe('entry points', () => {
  it('loading EmailMessage loads neither nodemailer nor the backend registry', () => {
    const loaded = modulesLoadedBy(src('message.ts'));
    expect(loaded.some((url) => url.endsWith('/message.ts'))).toBe(true);
    expect(loaded.filter((url) => url.includes('nodemailer'))).toEqual([]);
    expect(loaded.filter((url) => /\/(connection|settings|mime)\.ts$|\/backends\//.test(url))).toEqual([]);
  });

  it('@anymail/core/test loads no test framework (usable from vitest, Jest and node:test)', () => {
    const loaded = modulesLoadedBy(src('test/index.ts'));
    expect(loaded.some((url) => url.endsWith('/fake-esp.ts'))).toBe(true);
    expect(loaded.filter((url) => /vitest|jest/.test(url))).toEqual([]);
  });

  it('package.json exports the application, ESP-author, test and vitest entries', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './esp', './test', './test/vitest']));
  });

  it('the ESP-author entry gives the kit', async () => {
    const esp = await import('@anymail/core/esp');
    expect(typeof esp.BaseEspBackend).toBe('function');
    expect(typeof esp.HttpTransport).toBe('function');
    expect(typeof esp.defineEspFeatures).toBe('function');
    expect(typeof esp.defineEspOptions).toBe('function');
  });
});
