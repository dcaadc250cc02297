// The root README and docs/ stay true: the generated feature matrix matches the ESP packages'
// tables, the quick start is two commands, every example runs in CI, relative links resolve.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadEsps, packageMatrix, replaceBetweenMarkers, withMatrix } from '../scripts/feature-matrix.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const esps = await loadEsps();

describe('the ESP package READMEs', () => {
  it('finds every ESP package by its definition (packages/<id>/src/<id>-esp.ts)', () => {
    const withBackend = readdirSync(join(root, 'packages')).filter((dir) => existsSync(join(root, 'packages', dir, 'src', `${dir}-backend.ts`)));
    expect(esps.map((esp) => esp.dir).sort()).toEqual(withBackend.sort());
  });

  it.each(esps.map((esp) => [esp.dir, esp] as const))('packages/%s/README.md has the feature table generated from its definition', (dir, esp) => {
    const text = readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8');
    expect(text).toBe(replaceBetweenMarkers(text, packageMatrix(esp), `packages/${dir}/README.md`));
  });
});

describe('the root README', () => {
  it('has the feature matrix generated from the ESP definitions (run `pnpm docs:matrix`)', () => {
    expect(readme).toBe(withMatrix(readme, esps));
  });

  it('starts with a two-command quick start: install and demo, then the tests', () => {
    const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const commands = block.trim().split('\n').map((line) => line.replace(/\s+#.*$/, '').trim());
    expect(commands).toEqual(['npm install -g pnpm@10 && pnpm install && pnpm demo', 'pnpm test']);
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(['demo', 'test', 'bench', 'check:packages', 'docs:matrix']));
  });

  it('lists every example, and every example has a test that runs it in CI', () => {
    const examples = readdirSync(join(root, 'examples'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    for (const example of examples) {
      expect(readme, `README lists examples/${example}`).toContain(`examples/${example}`);
      const tests = readdirSync(join(root, 'examples', example)).filter((file) => file.endsWith('.test.ts'));
      expect(tests, `examples/${example} has a *.test.ts`).not.toEqual([]);
    }
  });

  it.each(['README.md', ...readdirSync(join(root, 'docs')).map((file) => `docs/${file}`)])('%s: relative links point at files in the repository', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const relative = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((match) => match[1]!).filter((href) => !/^(https?:|mailto:)/.test(href));
    const missing = relative.filter((href) => !existsSync(join(dirname(join(root, file)), href)));
    expect(missing).toEqual([]);
  });
});
