import { BaseEmailBackend } from './backends/base-email-backend.js';
import { AnymailConfigurationError } from './errors.js';
import { getSettings, type AliasSpec, type BackendSpec } from './settings.js';

type AnyBackendClass = new (options?: Record<string, unknown>) => BaseEmailBackend;

/** Built-in backend names usable as `emailBackend` or `getConnection('console')`. */
const builtIns: Record<string, () => Promise<AnyBackendClass>> = {
  console: async () => (await import('./backends/console-backend.js')).ConsoleBackend as AnyBackendClass,
  file: async () => (await import('./backends/file-backend.js')).FileBackend as AnyBackendClass,
  memory: async () => (await import('./backends/memory-backend.js')).MemoryBackend as AnyBackendClass,
  locmem: async () => (await import('./backends/memory-backend.js')).MemoryBackend as AnyBackendClass,
  dummy: async () => (await import('./backends/dummy-backend.js')).DummyBackend as AnyBackendClass,
  smtp: async () => (await import('./backends/smtp-backend.js')).SmtpBackend as AnyBackendClass,
};

function isBackendClass(value: unknown): value is AnyBackendClass {
  return typeof value === 'function' && value.prototype instanceof BaseEmailBackend;
}

/** Load a backend class from a module specifier: 'module' or 'module#ExportName'. */
async function importBackendClass(specifier: string): Promise<AnyBackendClass> {
  const [moduleName, exportName] = specifier.split('#') as [string, string | undefined];
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(moduleName)) as Record<string, unknown>;
  } catch (error) {
    throw new AnymailConfigurationError(
      `Could not load email backend module ${JSON.stringify(moduleName)}. Install it (e.g. pnpm add ${moduleName}) or fix the name.`,
      { cause: error },
    );
  }
  if (exportName) {
    const value = namespace[exportName];
    if (isBackendClass(value)) return value;
    throw new AnymailConfigurationError(`${moduleName} has no backend class export named ${JSON.stringify(exportName)}.`);
  }
  if (isBackendClass(namespace.default)) return namespace.default;
  const classes = [...new Set(Object.values(namespace).filter(isBackendClass))].filter(
    (cls) => !/^Base/.test(cls.name),
  );
  if (classes.length === 1) return classes[0]!;
  throw new AnymailConfigurationError(
    `${moduleName} exports ${classes.length} backend classes (${classes.map((c) => c.name).join(', ') || 'none'}); ` +
      `name one as "${moduleName}#ClassName".`,
  );
}

async function resolveSpec(spec: BackendSpec, options: Record<string, unknown>, seen: Set<string>): Promise<BaseEmailBackend> {
  if (spec instanceof BaseEmailBackend) return spec;
  if (isBackendClass(spec)) return new spec(options);
  if (typeof spec !== 'string') throw new AnymailConfigurationError('Invalid backend specification');
  const aliases = getSettings().backends ?? {};
  if (Object.prototype.hasOwnProperty.call(aliases, spec)) {
    if (seen.has(spec)) throw new AnymailConfigurationError(`Backend alias ${JSON.stringify(spec)} refers to itself.`);
    seen.add(spec);
    const backend = await resolveAlias(aliases[spec]!, options, seen);
    backend.alias ??= spec;
    return backend;
  }
  const builtIn = builtIns[spec];
  const cls = builtIn ? await builtIn() : await importBackendClass(spec);
  return new cls(options);
}

async function resolveAlias(spec: AliasSpec, options: Record<string, unknown>, seen: Set<string>): Promise<BaseEmailBackend> {
  if (typeof spec === 'object' && spec !== null && 'backend' in spec && !(spec instanceof BaseEmailBackend)) {
    return resolveSpec(spec.backend, { ...spec.options, ...options }, seen);
  }
  return resolveSpec(spec as BackendSpec, options, seen);
}

/**
 * Get a backend instance: a class, an alias from `configure({ backends })`, a built-in name
 * ('smtp', 'console', 'file', 'memory', 'dummy') or a module specifier such as
 * '@anymail/mailgun'. Options override settings and the environment.
 * With no backend, uses the `emailBackend` setting (default 'smtp', as Django does).
 */
export async function getConnection(
  backend?: BackendSpec,
  options: Record<string, unknown> & { failSilently?: boolean } = {},
): Promise<BaseEmailBackend> {
  const clean = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const spec = backend ?? getSettings().emailBackend ?? (getSettings().backends?.default ? 'default' : 'smtp');
  const instance = await resolveSpec(spec, clean, new Set());
  if (options.failSilently !== undefined && (spec instanceof BaseEmailBackend || typeof spec === 'string')) {
    instance.failSilently = options.failSilently;
  }
  return instance;
}
