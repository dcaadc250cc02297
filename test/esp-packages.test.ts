// Every ESP package has the same fixed file set (docs/adding-an-esp.md), is declared with
// defineEsp, and declares exactly the features its conformance suite finds in its payloads.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadEsps } from '../scripts/feature-matrix.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = join(root, 'packages');
const espDirs = readdirSync(packages).filter((dir) => existsSync(join(packages, dir, 'src', `${dir}-backend.ts`)));

const SRC = ['esp', 'backend', 'options', 'payload', 'extra', 'response', 'errors', 'batch', 'webhook', 'event-map', 'inbound'];
const TESTS = ['conformance', 'webhook-conformance', 'inbound-conformance'];

describe.each(espDirs)('packages/%s', (dir) => {
  const base = join(packages, dir);

  it('has the fixed file set', () => {
    const expected = [
      'src/index.ts',
      'src/test/index.ts',
      'README.md',
      `bench/${dir}.bench.ts`,
      ...SRC.map((name) => `src/${dir}-${name}.ts`),
      ...TESTS.map((name) => `test/${dir}-${name}.test.ts`),
    ];
    expect(expected.filter((file) => !existsSync(join(base, file)))).toEqual([]);
  });

  it('has a backend class of a few lines: the definition holds the knowledge', () => {
    const text = readFileSync(join(base, 'src', `${dir}-backend.ts`), 'utf8');
    expect(text).toMatch(/extends EspBackend</);
    expect(text.split('\n').length).toBeLessThanOrEqual(40);
  });

  it('exports fake routes and msw handlers from its test kit', () => {
    const text = readFileSync(join(base, 'src', 'test', 'index.ts'), 'utf8');
    expect(text).toMatch(/FakeRoutes\b/);
    expect(text).toMatch(/MswHandlers\b/);
  });

  it('keeps its event tables without a prototype: an ESP-sent name like "constructor" finds nothing', async () => {
    const tables = (await import(join(base, 'src', `${dir}-event-map.ts`))) as Record<string, unknown>;
    const plain = Object.entries(tables).filter(([, value]) => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set) && !(value instanceof Map));
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.filter(([, value]) => Object.getPrototypeOf(value) !== null).map(([name]) => name)).toEqual([]);
  });

  it('runs the conformance suite with an expectation for every feature it declares', () => {
    const text = readFileSync(join(base, 'test', `${dir}-conformance.test.ts`), 'utf8');
    expect(text).toMatch(/describeEspConformance\(/);
    expect(text).toMatch(/describeInjectionRefusals\(/);
  });
});

describe('ESP definitions', () => {
  it('every ESP package is declared with defineEsp', async () => {
    const esps = await loadEsps();
    expect(esps.map((esp) => esp.dir).sort()).toEqual([...espDirs].sort());
  });
});
