// The packages as npm will publish them: `pnpm pack` each one, check what the tarball holds
// (LICENSE, metadata, source maps that resolve), then build a consumer app from the tarballs
// in a temporary folder and run it with node, compiled as CommonJS (`module: commonjs`,
// `module: node16`) and as ESM (`moduleResolution: bundler`).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = readdirSync(join(root, 'packages')).filter((name) => existsSync(join(root, 'packages', name, 'package.json')));
const tsc = join(root, 'node_modules', '.bin', 'tsc');
let work: string;
const unpacked = new Map<string, string>();

type Manifest = Record<string, unknown> & {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports: Record<string, unknown>;
};

beforeAll(() => {
  execFileSync('pnpm', ['-s', 'build'], { cwd: root, stdio: 'pipe' });
  work = mkdtempSync(join(tmpdir(), 'anymail-packaging-'));
  for (const name of packages) {
    const packDir = join(work, 'packs', name);
    mkdirSync(packDir, { recursive: true });
    execFileSync('pnpm', ['pack', '--pack-destination', packDir], { cwd: join(root, 'packages', name), stdio: 'pipe' });
    const tarball = readdirSync(packDir).find((file) => file.endsWith('.tgz'))!;
    execFileSync('tar', ['xzf', join(packDir, tarball), '-C', packDir]);
    unpacked.set(name, join(packDir, 'package'));
  }
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Run a command; on failure, the error shows its output (tsc writes diagnostics to stdout). */
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

describe.each(packages)('the @anymail/%s tarball', (name) => {
  it('holds the root LICENSE and the publishing metadata', () => {
    const dir = unpacked.get(name)!;
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({
      name: `@anymail/${name}`,
      license: 'BSD-3-Clause',
      repository: { type: 'git', url: 'git+https://github.com/anymail-ts/anymail-ts.git', directory: `packages/${name}` },
      homepage: `https://github.com/anymail-ts/anymail-ts/tree/main/packages/${name}#readme`,
      bugs: { url: 'https://github.com/anymail-ts/anymail-ts/issues' },
      engines: { node: '>=20.19.0' },
    });
    expect((manifest.keywords as string[]).length).toBeGreaterThan(2);
    expect(JSON.stringify(manifest.dependencies ?? {})).not.toContain('workspace:');
    // Every entry point has both shapes; scripts/cjs-entries.mjs writes the CommonJS one at build.
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === './package.json') continue;
      expect(target, `exports["${subpath}"]`).toMatchObject({
        import: { types: expect.stringMatching(/\.d\.ts$/), default: expect.stringMatching(/\.js$/) },
        require: { types: expect.stringMatching(/\.d\.cts$/), default: expect.stringMatching(/\.cjs$/) },
      });
    }
  });

  it('has source maps whose sources are in the tarball', () => {
    const dir = unpacked.get(name)!;
    const maps = listFiles(dir).filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const missing = maps.flatMap((map) => {
      const { sources } = JSON.parse(readFileSync(join(dir, map), 'utf8')) as { sources: string[] };
      return sources.map((source) => join(dirname(join(dir, map)), source)).filter((source) => !existsSync(source));
    });
    expect(missing).toEqual([]);
  });

  it('has a README fit for the npm page: absolute links, no repo-only commands', () => {
    const readme = readFileSync(join(unpacked.get(name)!, 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)].map((match) => match[1]!).filter((href) => !/^(https?:|mailto:)/.test(href));
    expect(relative).toEqual([]);
    // Commands that only work in a clone of the repository mean nothing on the npm page.
    const repoOnly = readme.split('\n').filter((line) => /pnpm (--filter|-F |bench|test|build|demo|fuzz|vitest)|tsx packages\/|node [^`]*packages\//.test(line));
    expect(repoOnly).toEqual([]);
  });
});

describe('a consumer app built from the tarballs', () => {
  let app: string;

  beforeAll(() => {
    app = join(work, 'app');
    const modules = join(app, 'node_modules');
    mkdirSync(join(modules, '@anymail'), { recursive: true });
    mkdirSync(join(modules, '@types'), { recursive: true });
    // Dependencies come from the workspace's store, so the test runs offline.
    const linked = new Set<string>();
    for (const name of packages) {
      const target = join(modules, '@anymail', name);
      execFileSync('cp', ['-R', unpacked.get(name)!, target]);
      const manifest = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as Manifest;
      // Runtime dependencies, plus the optional peers the app uses (better-sqlite3 for the outbox's SQLite).
      const wanted = [...Object.keys(manifest.dependencies ?? {}), ...['better-sqlite3'].filter((peer) => manifest.peerDependencies?.[peer])];
      for (const dependency of wanted) {
        if (dependency.startsWith('@anymail/') || linked.has(dependency)) continue;
        linked.add(dependency);
        mkdirSync(dirname(join(modules, dependency)), { recursive: true });
        symlinkSync(realpathSync(join(root, 'packages', name, 'node_modules', dependency)), join(modules, dependency));
      }
    }
    symlinkSync(realpathSync(join(root, 'node_modules', '@types', 'node')), join(modules, '@types', 'node'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true }));
    copyFileSync(join(root, 'test', 'fixtures', 'consumer-app', 'app.ts'), join(app, 'app.ts'));
  });

  const expected = { Postmark: 'sent', Mailgun: 'queued', SendGrid: 'queued', 'Amazon SES': 'queued', outbox: 'sent 1' };

  it.each([
    ['CommonJS, module commonjs (node10 resolution)', ['--module', 'commonjs', '--moduleResolution', 'node10'], 'commonjs'],
    ['CommonJS, module node16', ['--module', 'node16', '--moduleResolution', 'node16'], 'commonjs'],
    ['ESM, moduleResolution bundler', ['--module', 'preserve', '--moduleResolution', 'bundler'], 'module'],
  ])('%s: compiles against the published types and sends', (_label, flags, type) => {
    const out = join(app, `out-${flags[1]}`);
    run(tsc, [...flags, '--target', 'es2022', '--lib', 'es2023', '--strict', '--esModuleInterop', '--skipLibCheck', '--types', 'node', '--outDir', out, join(app, 'app.ts')], app);
    writeFileSync(join(out, 'package.json'), JSON.stringify({ type }));
    const output = run(process.execPath, [join(out, 'app.js')], app);
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual(expected);
  }, 180_000);
});
