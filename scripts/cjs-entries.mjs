#!/usr/bin/env node
// Run after `tsc` in a package: gives CommonJS consumers an entry that shares the ESM instance.
//
// The packages are ESM only. Node >= 20.19 loads them from require() (require(esm)), so a
// CommonJS app works at run time. TypeScript under `module: node16` (CommonJS files) still
// refuses to type an ESM file for a require (TS1479), and `moduleResolution: node10` ignores
// `exports`. So for every entry point (package.json "exports" with a "require" condition) this
// writes:
//   - `<entry>.cjs`: `module.exports = require('./<entry>.js')`. One module instance for ESM and
//     CommonJS callers (no dual-package hazard: settings, signals and `instanceof` stay shared).
//   - a `.d.cts` twin of every `.d.ts` (relative imports rewritten to `.cjs`), so the types are
//     CommonJS types for CommonJS callers and match the `.cjs` entry.
//
// It first deletes outputs whose source is gone: an incremental tsc never removes them, and a
// stale dist/*.js (with a source map pointing at a deleted src file) would ship in the tarball.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const packageDir = process.cwd();
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const dist = join(packageDir, 'dist');
const src = join(packageDir, 'src');

function* allFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* allFiles(path);
    else yield path;
  }
}

const OUTPUT_SUFFIX = /(\.d\.ts\.map|\.d\.ts|\.d\.cts|\.js\.map|\.js|\.cjs)$/;
let pruned = 0;
for (const file of [...allFiles(dist)]) {
  if (!OUTPUT_SUFFIX.test(file)) continue;
  const stem = relative(dist, file).replace(OUTPUT_SUFFIX, '');
  if (existsSync(join(src, `${stem}.ts`)) || existsSync(join(src, `${stem}.mts`))) continue;
  rmSync(file);
  pruned++;
}

function* declarationFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith('.d.ts')) yield path;
  }
}

// `from './x.js'`, `import('./x.js')`, `import './x.js'` → `.cjs`; bare specifiers stay.
const RELATIVE_JS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.js(['"])/g;

let declarations = 0;
for (const file of declarationFiles(dist)) {
  const text = readFileSync(file, 'utf8')
    .replace(RELATIVE_JS, '$1$2.cjs$3')
    .replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
  writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text);
  declarations++;
}

let entries = 0;
for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
  const require = typeof target === 'object' && target !== null ? target.require : undefined;
  if (!require) continue;
  const cjs = typeof require === 'string' ? require : require.default;
  if (!cjs?.endsWith('.cjs')) throw new Error(`${manifest.name} exports["${subpath}"].require must name a .cjs file`);
  const esm = `./${relative(join(packageDir, cjs, '..'), join(packageDir, cjs.replace(/\.cjs$/, '.js')))}`;
  writeFileSync(
    join(packageDir, cjs),
    `'use strict';\n// CommonJS entry (Node >= 20.19 require(esm)): the same module instance as the ESM entry.\nmodule.exports = require(${JSON.stringify(esm)});\n`,
  );
  entries++;
}
console.log(`${manifest.name}: ${entries} CommonJS entries, ${declarations} .d.cts declarations${pruned ? `, ${pruned} stale outputs removed` : ''}`);
