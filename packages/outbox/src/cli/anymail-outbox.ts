#!/usr/bin/env node
/**
 * `anymail-outbox migrate | send-queued | worker | cleanup | admin`: post_office's management
 * commands. Settings come from `--config <module>` (default export: settings, or a function
 * returning them) and the environment (`ANYMAIL_OUTBOX_DATABASE_URL`).
 * Exit codes: 0 done, 1 some mail failed, 2 usage or configuration error.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AnymailError, DummyBackend } from '@anymail/core';
import { createOutbox } from '../outbox.js';
import type { OutboxSettings } from '../outbox-settings.js';
import { formatProgress } from './cli-progress.js';

export interface CliIo {
  out: (line: string) => void;
  err: (text: string) => void;
  isTty: boolean;
  env: Record<string, string | undefined>;
}

const USAGE = `Usage: anymail-outbox <command> [options]

Commands:
  migrate                 create or update the outbox tables
  send-queued             deliver every due email, then exit
  worker                  deliver continuously until SIGINT/SIGTERM
  cleanup                 delete old emails (and, when asked, unused attachments)
  requeue                 queue failed emails again (filters below)
  admin                   serve the admin web app (credentials from ANYMAIL_OUTBOX_ADMIN_* env)

Options:
  --config <file>         module whose default export is the outbox settings (or a function returning them)
  --database <url>        sqlite:./mail.db or postgres://… (else ANYMAIL_OUTBOX_DATABASE_URL)
  --schema <name>         PostgreSQL schema
  --batch-size <n>        emails claimed per batch
  --concurrency <n>       sends in flight at once
  --days <n>              cleanup: delete emails older than this (default 90)
  --delete-attachments    cleanup: also delete attachments no email uses
  --status <s,s>          requeue: statuses to take (default failed)
  --since <date>          requeue: created at or after (ISO date)
  --until <date>          requeue: created before (ISO date)
  --recipient <address>   requeue: only mail to this address
  --port <n>              admin: port (default 8025)
  --host <addr>           admin: address to bind (default 127.0.0.1)
  --base-path <path>      admin: serve under this path (e.g. /outbox)
  -h, --help`;

class UsageError extends Error {}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/**
 * Import the config module. TypeScript configs load through tsx's API (Node 20 cannot import
 * .ts files itself); any failure is one line and exit code 2, not a stack trace.
 */
async function importConfig(path: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(resolve(path)).href;
  try {
    try {
      return (await import(url)) as { default?: unknown };
    } catch (error) {
      // Node 20 cannot import TypeScript; anything else is the config's own error.
      if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?tsx?$/.test(path)) throw error;
    }
    {
      let tsx: { tsImport: (specifier: string, parent: string) => Promise<unknown> };
      try {
        tsx = (await import('tsx/esm/api')) as typeof tsx;
      } catch {
        throw new UsageError(`Config ${path} is TypeScript: install tsx to load it (npm install --save-dev tsx), or compile it to .js.`);
      }
      return (await tsx.tsImport(url, import.meta.url)) as { default?: unknown };
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot load config ${path}: ${firstLine(error)}`);
  }
}

async function loadSettings(values: Record<string, unknown>, io: CliIo, needsBackends: boolean): Promise<OutboxSettings> {
  let settings: Partial<OutboxSettings> = {};
  if (typeof values['config'] === 'string') {
    const module = await importConfig(values['config']);
    let exported: unknown;
    try {
      exported = typeof module.default === 'function' ? await (module.default as () => unknown)() : module.default;
    } catch (error) {
      throw new UsageError(`Config ${values['config']} failed: ${firstLine(error)}`);
    }
    if (typeof exported !== 'object' || exported === null) throw new UsageError(`${values['config']} must export default the outbox settings.`);
    settings = exported as Partial<OutboxSettings>;
  }
  const database = (values['database'] as string | undefined) ?? settings.database ?? io.env['ANYMAIL_OUTBOX_DATABASE_URL'];
  if (database === undefined) throw new UsageError('No database: pass --database, set ANYMAIL_OUTBOX_DATABASE_URL, or use --config.');
  if (needsBackends && !settings.backends) throw new UsageError('Sending needs backends: pass --config <module> whose settings include backends.');
  return {
    ...settings,
    database,
    backends: settings.backends ?? { default: new DummyBackend() },
    ...(typeof values['schema'] === 'string' ? { schema: values['schema'] } : {}),
    ...(values['batch-size'] ? { batchSize: Number(values['batch-size']) } : {}),
    ...(values['concurrency'] ? { concurrency: Number(values['concurrency']) } : {}),
  };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        database: { type: 'string' },
        schema: { type: 'string' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
        days: { type: 'string' },
        'delete-attachments': { type: 'boolean' },
        'keep-attachments': { type: 'boolean' },
        status: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        recipient: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'base-path': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === undefined) {
    (values.help ? io.out : io.err)(USAGE);
    return values.help ? 0 : 2;
  }
  if (!['migrate', 'send-queued', 'worker', 'cleanup', 'requeue', 'admin'].includes(command)) {
    io.err(`Unknown command '${command}'.\n\n${USAGE}\n`);
    return 2;
  }
  let outbox;
  try {
    const settings = await loadSettings(values, io, command === 'send-queued' || command === 'worker');
    // `migrate` reports what it ran: it must not have run already inside createOutbox.
    outbox = await createOutbox(command === 'migrate' ? { ...settings, autoMigrate: false } : settings);
    switch (command) {
      case 'migrate': {
        const ran = await outbox.migrate();
        io.out(ran.length ? `Applied migrations: ${ran.join(', ')}` : 'No migrations to apply.');
        return 0;
      }
      case 'send-queued': {
        const started = Date.now();
        const due = await outbox.db
          .selectFrom('outbox_email')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('status', 'in', ['queued', 'requeued'])
          .where((eb) => eb.or([eb('scheduled_time', 'is', null), eb('scheduled_time', '<=', started)]))
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', started)]))
          .executeTakeFirstOrThrow();
        const total = Number(due.n);
        const progress = (report: { sent: number; failed: number; requeued: number }) => {
          if (io.isTty) io.err(`\r${formatProgress(report, total, Date.now() - started)}`);
        };
        const report = await outbox.sendQueued({ onProgress: progress });
        if (io.isTty) io.err('\n');
        io.out(`Sent ${report.sent}, failed ${report.failed}, requeued ${report.requeued} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
        return report.failed > 0 ? 1 : 0;
      }
      case 'worker': {
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        io.out(`Outbox worker ${outbox.settings.workerId} started.`);
        const report = await outbox.work({
          signal: controller.signal,
          onError: (error) => io.err(`anymail-outbox worker: ${error instanceof Error ? error.message : String(error)}; retrying\n`),
        });
        io.out(`Worker stopped: sent ${report.sent}, failed ${report.failed}, requeued ${report.requeued}.`);
        return 0;
      }
      case 'requeue': {
        const date = (name: 'since' | 'until') => {
          const text = values[name];
          if (text === undefined) return undefined;
          const parsed = new Date(text);
          if (Number.isNaN(parsed.getTime())) throw new UsageError(`--${name} must be a date such as 2026-12-01 (got '${text}').`);
          return parsed;
        };
        const since = date('since');
        const until = date('until');
        const count = await outbox.requeue({
          ...(values.status ? { status: values.status.split(',').map((s) => s.trim()) as never } : {}),
          ...(since ? { since } : {}),
          ...(until ? { until } : {}),
          ...(values.recipient ? { recipient: values.recipient } : {}),
        });
        io.out(`Requeued ${count} emails.`);
        return 0;
      }
      case 'admin': {
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        process.once('SIGTERM', () => controller.abort());
        // Loaded only here: the other commands need none of the admin's code.
        const { serveAdmin } = await import('../admin/admin-cli.js');
        await serveAdmin(outbox, { port: values.port, host: values.host, basePath: values['base-path'], env: io.env, out: io.out, signal: controller.signal });
        return 0;
      }
      default: {
        const result = await outbox.cleanup({
          days: values.days === undefined ? 90 : Number(values.days),
          deleteAttachments: values['delete-attachments'] === true && !values['keep-attachments'],
        });
        io.out(`Deleted ${result.emails} emails and ${result.attachments} attachments.`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof UsageError || AnymailError.isInstance(error)) {
      io.err(`anymail-outbox: ${firstLine(error)}\n`);
      return 2;
    }
    throw error;
  } finally {
    await outbox?.close();
  }
}

// npm links bins (node_modules/.bin/anymail-outbox): compare real paths.
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) {
  const code = await runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') || text.startsWith('\r') ? text : `${text}\n`),
    isTty: Boolean(process.stderr.isTTY),
    env: process.env,
  });
  process.exitCode = code;
}
