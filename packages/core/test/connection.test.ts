import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BaseEmailBackend } from '../src/backends/base-email-backend.js';
import { ConsoleBackend } from '../src/backends/console-backend.js';
import { DummyBackend } from '../src/backends/dummy-backend.js';
import { FileBackend } from '../src/backends/file-backend.js';
import { MemoryBackend } from '../src/backends/memory-backend.js';
import { SmtpBackend } from '../src/backends/smtp-backend.js';
import { getConnection } from '../src/connection.js';
import { AnymailAPIError, AnymailConfigurationError } from '../src/errors.js';
import { EmailMessage } from '../src/message.js';
import { configure } from '../src/settings.js';
import { preSend } from '../src/signals.js';

const memoryBackendPath = fileURLToPath(new URL('../src/backends/memory-backend.ts', import.meta.url));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'anymail-connection-'));
  // Tiny backend modules, as a user's own package would be.
  writeFileSync(
    join(dir, 'one-backend.mjs'),
    `import { MemoryBackend } from ${JSON.stringify(memoryBackendPath)};\n` +
      `export class ModuleBackend extends MemoryBackend { constructor(options = {}) { super(options); this.options = options; } }\n` +
      `export const notABackend = 42;\n`,
  );
  writeFileSync(
    join(dir, 'two-backends.mjs'),
    `import { MemoryBackend } from ${JSON.stringify(memoryBackendPath)};\n` +
      `export class FirstBackend extends MemoryBackend {}\nexport class SecondBackend extends MemoryBackend {}\n`,
  );
  writeFileSync(join(dir, 'broken.mjs'), `throw new Error('module failed to initialise');\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(() => {
  configure({});
  MemoryBackend.outbox.length = 0;
});

async function configError(promise: Promise<unknown>): Promise<AnymailConfigurationError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AnymailConfigurationError);
  return error as AnymailConfigurationError;
}

describe('getConnection with a class or an instance', () => {
  it('constructs a class with the options', async () => {
    const backend = await getConnection(MemoryBackend, { failSilently: true });
    expect(backend).toBeInstanceOf(MemoryBackend);
    expect(backend.failSilently).toBe(true);
  });

  it('returns an instance as it is', async () => {
    const instance = new DummyBackend();
    expect(await getConnection(instance)).toBe(instance);
  });

  it('refuses options other than failSilently for an existing instance', async () => {
    const error = await configError(getConnection(new DummyBackend(), { apiKey: 'other-account' }));
    expect(error.message).toContain('apiKey');
  });

  it('refuses alias options for an alias whose backend is an instance', async () => {
    configure({ backends: { shared: { backend: new DummyBackend(), options: { host: 'ignored.example' } } } });
    expect((await configError(getConnection('shared'))).message).toContain('host');
  });
});

describe('getConnection with built-in names', () => {
  it.each([
    ['console', ConsoleBackend],
    ['memory', MemoryBackend],
    ['locmem', MemoryBackend],
    ['dummy', DummyBackend],
    ['smtp', SmtpBackend],
  ] as const)('resolves %s', async (name, cls) => {
    expect(await getConnection(name)).toBeInstanceOf(cls);
  });

  it('resolves file with its filePath option', async () => {
    const backend = (await getConnection('file', { filePath: dir })) as FileBackend;
    expect(backend).toBeInstanceOf(FileBackend);
    expect(backend.filePath).toBe(dir);
  });

  it('lets options override settings and ignores undefined options', async () => {
    configure({ smtp: { host: 'smtp.settings.example', port: 2525 } });
    const backend = (await getConnection('smtp', { host: 'smtp.option.example', port: undefined })) as SmtpBackend;
    expect(backend.host).toBe('smtp.option.example');
    expect(backend.port).toBe(2525);
  });
});

describe('getConnection defaults', () => {
  it('uses SMTP when nothing is configured (as Django does)', async () => {
    expect(await getConnection()).toBeInstanceOf(SmtpBackend);
  });

  it('uses the emailBackend setting', async () => {
    configure({ emailBackend: 'dummy' });
    expect(await getConnection()).toBeInstanceOf(DummyBackend);
    configure({ emailBackend: MemoryBackend });
    expect(await getConnection()).toBeInstanceOf(MemoryBackend);
  });

  it('uses the "default" alias when there is no emailBackend', async () => {
    configure({ backends: { default: 'memory' } });
    const backend = await getConnection();
    expect(backend).toBeInstanceOf(MemoryBackend);
    expect(backend.alias).toBe('default');
  });
});

describe('getConnection with aliases', () => {
  it('resolves a string alias and records the alias name', async () => {
    configure({ backends: { dev: 'console' } });
    const backend = await getConnection('dev');
    expect(backend).toBeInstanceOf(ConsoleBackend);
    expect(backend.alias).toBe('dev');
  });

  it('resolves { backend, options }, with call options overriding alias options', async () => {
    configure({ backends: { relay: { backend: 'smtp', options: { host: 'relay.example', port: 587 } } } });
    const relay = (await getConnection('relay')) as SmtpBackend;
    expect([relay.host, relay.port]).toEqual(['relay.example', 587]);
    const overridden = (await getConnection('relay', { port: 2525 })) as SmtpBackend;
    expect([overridden.host, overridden.port]).toEqual(['relay.example', 2525]);
  });

  it('resolves an alias to a class and an alias to an instance', async () => {
    const shared = new MemoryBackend();
    configure({ backends: { cls: MemoryBackend, inst: shared } });
    const fromClass = await getConnection('cls');
    expect(fromClass).toBeInstanceOf(MemoryBackend);
    expect(fromClass).not.toBe(shared);
    expect(await getConnection('inst')).toBe(shared);
  });

  it('follows an alias to another alias and names the one asked for', async () => {
    configure({ backends: { outer: 'inner', inner: { backend: 'memory', options: { failSilently: true } } } });
    const backend = await getConnection('outer');
    expect(backend).toBeInstanceOf(MemoryBackend);
    expect(backend.failSilently).toBe(true);
    expect(backend.alias).toBe('outer');
  });

  it('lets an alias shadow a built-in and refer to it', async () => {
    configure({ backends: { smtp: { backend: 'smtp', options: { host: 'shadow.example' } } } });
    expect(((await getConnection('smtp')) as SmtpBackend).host).toBe('shadow.example');
  });

  it('reports an alias cycle', async () => {
    configure({ backends: { a: 'b', b: 'a' } });
    expect((await configError(getConnection('a'))).message).toMatch(/refers to itself/);
  });
});

describe('getConnection with a module specifier', () => {
  it('loads the single backend class a module exports', async () => {
    const backend = (await getConnection(join(dir, 'one-backend.mjs'), { apiKey: 'k' })) as MemoryBackend & { options: unknown };
    expect(backend).toBeInstanceOf(MemoryBackend);
    expect(backend.constructor.name).toBe('ModuleBackend');
    expect(backend.options).toEqual({ apiKey: 'k' });
  });

  it('loads a path relative to the working directory', async () => {
    const relativePath = `./${relative(process.cwd(), join(dir, 'one-backend.mjs'))}`;
    expect((await getConnection(relativePath)).constructor.name).toBe('ModuleBackend');
  });

  it('loads a named export with module#Export', async () => {
    const second = await getConnection(`${join(dir, 'two-backends.mjs')}#SecondBackend`);
    expect(second.constructor.name).toBe('SecondBackend');
    expect(await getConnection('@anymail/core#DummyBackend')).toBeInstanceOf(DummyBackend);
  });

  it('asks for #Export when a module exports several backend classes', async () => {
    const error = await configError(getConnection(join(dir, 'two-backends.mjs')));
    expect(error.message).toContain('FirstBackend, SecondBackend');
    expect(error.message).toContain('#ClassName');
  });

  it('reports an export that is not a backend class', async () => {
    const error = await configError(getConnection(`${join(dir, 'one-backend.mjs')}#notABackend`));
    expect(error.message).toContain('"notABackend"');
  });

  it('reports an unknown name as neither alias, built-in nor module', async () => {
    const error = await configError(getConnection('@anymail/no-such-esp'));
    expect(error.message).toContain('@anymail/no-such-esp');
    expect(error.message).toContain('built-in');
  });

  it('reports a module that fails while loading with its own error', async () => {
    const error = await configError(getConnection(join(dir, 'broken.mjs')));
    expect(error.message).toContain('module failed to initialise');
  });
});

describe('getConnection with failSilently on a shared instance', () => {
  it('does not change the shared instance, yet swallows errors for this caller', async () => {
    const shared = new MemoryBackend();
    configure({ emailBackend: shared });
    const receiver = ({ message }: { message: EmailMessage }) => {
      if (message.subject === 'fail') throw new AnymailAPIError('boom');
      if (message.subject === 'bug') throw new TypeError('a bug in a receiver');
    };
    preSend.connect(receiver);
    try {
      const quiet = await getConnection(undefined, { failSilently: true });
      const messages = ['ok', 'fail', 'ok'].map((subject) => new EmailMessage({ subject, from: 'a@example.com', to: ['b@example.com'] }));
      expect(await quiet.sendMessages(messages)).toBe(2);
      expect(shared.failSilently).toBe(false);
      expect(await getConnection()).toBe(shared);
      await expect(shared.sendMessages([messages[1]!])).rejects.toThrow('boom');
      // The one failSilently rule: a bug is never hidden, not even through the view.
      await expect(quiet.sendMessages([new EmailMessage({ subject: 'bug', to: ['b@example.com'] })])).rejects.toThrow(TypeError);
    } finally {
      preSend.disconnect(receiver);
    }
  });

  it('honours failSilently from a { backend: instance, options } alias', async () => {
    const shared = new DummyBackend();
    configure({ backends: { quiet: { backend: shared, options: { failSilently: true } } } });
    const quiet = await getConnection('quiet');
    expect(quiet).not.toBe(shared);
    expect(quiet.failSilently).toBe(true);
    expect(shared.failSilently).toBe(false);
  });

  it('returns a BaseEmailBackend that still raises configuration errors', async () => {
    configure({ backends: { shared: new MemoryBackend() } });
    const quiet = await getConnection('shared', { failSilently: true });
    expect(quiet).toBeInstanceOf(BaseEmailBackend);
    expect(quiet.alias).toBe('shared');
    const receiver = () => {
      throw new AnymailConfigurationError('missing key');
    };
    preSend.connect(receiver);
    try {
      await expect(quiet.sendMessages([new EmailMessage({ from: 'a@example.com', to: ['b@example.com'] })])).rejects.toThrow('missing key');
    } finally {
      preSend.disconnect(receiver);
    }
  });
});
