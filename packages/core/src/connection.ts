import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BaseEmailBackend, backendName } from './backends/base-email-backend.js';
import { settleResults, type SendResult } from './backends/send-result.js';
import { AnymailConfigurationError } from './errors.js';
import type { EmailMessage } from './message.js';
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

/** Split 'module#Export' (a leading '#' is a Node subpath import, not a separator). */
function splitSpecifier(specifier: string): [moduleName: string, exportName: string | undefined] {
  const hash = specifier.lastIndexOf('#');
  if (hash <= 0) return [specifier, undefined];
  return [specifier.slice(0, hash), specifier.slice(hash + 1) || undefined];
}

/** Paths ('./x.js', '/abs/x.js') are resolved from the working directory, not from this file. */
function importTarget(moduleName: string): string {
  if (moduleName.startsWith('.') || isAbsolute(moduleName)) return pathToFileURL(resolve(moduleName)).href;
  return moduleName;
}

/**
 * Import a bare specifier from @anymail/core's location, else from the application's (the
 * working directory): with pnpm's strict layout '@anymail/mailgun' is visible to the app
 * but not to @anymail/core's own folder.
 */
async function importModule(moduleName: string): Promise<Record<string, unknown>> {
  try {
    return (await import(importTarget(moduleName))) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || moduleName.startsWith('.') || isAbsolute(moduleName)) throw error;
    let fromApp: string;
    try {
      fromApp = pathToFileURL(createRequire(resolve('package.json')).resolve(moduleName)).href;
    } catch {
      throw error;
    }
    return (await import(fromApp)) as Record<string, unknown>;
  }
}

/** Load a backend class from a module specifier: 'module' or 'module#ExportName'. */
async function importBackendClass(specifier: string): Promise<AnyBackendClass> {
  const [moduleName, exportName] = splitSpecifier(specifier);
  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(moduleName);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    throw new AnymailConfigurationError(
      notFound
        ? `Unknown email backend ${JSON.stringify(specifier)}: it is not an alias in configure({ backends }), not a built-in ` +
            `(${Object.keys(builtIns).join(', ')}), and no module of that name could be loaded. Install it (e.g. pnpm add ${moduleName}) or fix the name.`
        : `Loading the email backend module ${JSON.stringify(moduleName)} failed: ${error instanceof Error ? error.message : String(error)}`,
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

interface Resolved {
  backend: BaseEmailBackend;
  /** False when the instance existed before this call (shared; must not be mutated). */
  created: boolean;
  /** For an existing instance: the failSilently asked for (by the call or the alias). */
  failSilently?: unknown;
}

async function resolveSpec(spec: BackendSpec, options: Record<string, unknown>, seen: Set<string>): Promise<Resolved> {
  if (spec instanceof BaseEmailBackend) {
    const ignored = Object.keys(options).filter((key) => key !== 'failSilently');
    if (ignored.length > 0) {
      throw new AnymailConfigurationError(
        `Backend options (${ignored.join(', ')}) cannot apply to an existing ${spec.constructor.name} instance` +
          `${spec.alias ? ` (alias ${JSON.stringify(spec.alias)})` : ''}. Configure the instance itself, or use a class or { backend: Class, options }.`,
      );
    }
    return { backend: spec, created: false, failSilently: options.failSilently };
  }
  if (isBackendClass(spec)) return { backend: new spec(options), created: true };
  if (typeof spec !== 'string') throw new AnymailConfigurationError('Invalid backend specification');
  const aliases = getSettings().backends ?? {};
  const builtIn = Object.prototype.hasOwnProperty.call(builtIns, spec) ? builtIns[spec] : undefined;
  // An alias may shadow a built-in and refer to it: backends: { smtp: { backend: 'smtp', options } }.
  if (Object.prototype.hasOwnProperty.call(aliases, spec) && !(seen.has(spec) && builtIn)) {
    if (seen.has(spec)) throw new AnymailConfigurationError(`Backend alias ${JSON.stringify(spec)} refers to itself.`);
    seen.add(spec);
    const resolved = await resolveAlias(aliases[spec]!, options, seen);
    if (resolved.created) resolved.backend.alias = spec;
    else resolved.backend.alias ??= spec;
    return resolved;
  }
  const cls = builtIn ? await builtIn() : await importBackendClass(spec);
  return { backend: new cls(options), created: true };
}

async function resolveAlias(spec: AliasSpec, options: Record<string, unknown>, seen: Set<string>): Promise<Resolved> {
  if (typeof spec === 'object' && spec !== null && 'backend' in spec && !(spec instanceof BaseEmailBackend)) {
    return resolveSpec(spec.backend, { ...spec.options, ...options }, seen);
  }
  return resolveSpec(spec as BackendSpec, options, seen);
}

/** Options of a backend class: what its constructor takes. */
export type OptionsOf<C> = C extends new (options: infer O) => BaseEmailBackend ? NonNullable<O> : never;

/** Options for a backend named by alias, built-in name or module: checked by that backend at run time. */
export type GetConnectionOptions = Record<string, unknown> & { failSilently?: boolean };

/**
 * Get a backend instance: a class, an alias from `configure({ backends })`, a built-in name
 * ('smtp', 'console', 'file', 'memory', 'dummy') or a module specifier such as
 * '@anymail/mailgun' or '@anymail/mailgun#MailgunBackend'. Options override settings and the
 * environment. With no backend, uses the `emailBackend` setting, else the 'default' alias,
 * else 'smtp' (as Django does).
 *
 * When the spec names an existing instance, options other than `failSilently` cannot apply to it
 * (a configuration error says so); `failSilently` then gives a view of the instance, so the shared
 * instance is never changed.
 */
export async function getConnection<C extends new (options: never) => BaseEmailBackend>(
  backend: C,
  options?: OptionsOf<C>,
): Promise<InstanceType<C>>;
export async function getConnection(backend?: string | BaseEmailBackend, options?: GetConnectionOptions): Promise<BaseEmailBackend>;
export async function getConnection(backend?: BackendSpec, options?: { failSilently?: boolean }): Promise<BaseEmailBackend>;
export async function getConnection(backend?: BackendSpec, options: GetConnectionOptions = {}): Promise<BaseEmailBackend> {
  const clean = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const spec = backend ?? getSettings().emailBackend ?? (getSettings().backends?.default ? 'default' : 'smtp');
  const { backend: instance, created, failSilently } = await resolveSpec(spec, clean, new Set());
  if (created) return instance;
  if (failSilently === true && !instance.failSilently) return new FailSilentlyView(instance);
  return instance;
}

/**
 * An existing backend seen with `failSilently: true`, without changing the shared instance:
 * sends through the instance's results and applies the failSilently rule to them.
 */
class FailSilentlyView extends BaseEmailBackend {
  constructor(readonly inner: BaseEmailBackend) {
    super({ failSilently: true });
    this.alias = inner.alias;
  }

  get espName(): string {
    return backendName(this.inner);
  }

  override open(): Promise<boolean> {
    return this.inner.open();
  }

  override close(): Promise<void> {
    return this.inner.close();
  }

  override async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    return settleResults(await this.inner.sendResults(messages), true);
  }

  override sendResults(messages: readonly EmailMessage[]): Promise<SendResult[]> {
    return this.inner.sendResults(messages);
  }
}
