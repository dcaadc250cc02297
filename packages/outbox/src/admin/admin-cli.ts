/**
 * `anymail-outbox admin`: serve the admin on 127.0.0.1:8025 (by default) until SIGINT or
 * SIGTERM. Credentials come from the environment, never from the command line (other users
 * can read a process's arguments): ANYMAIL_OUTBOX_ADMIN_USER and ANYMAIL_OUTBOX_ADMIN_PASSWORD,
 * and/or ANYMAIL_OUTBOX_ADMIN_TOKEN; ANYMAIL_OUTBOX_ADMIN_SECRET keeps sessions across restarts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnymailConfigurationError } from '@anymail/core';
import type { Outbox } from '../outbox.js';
import { createOutboxAdmin } from './admin-app.js';
import type { OutboxAdminAuth } from './admin-auth.js';

export interface AdminCliOptions {
  port?: string;
  host?: string;
  basePath?: string;
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  /** Stops the server (the CLI wires SIGINT/SIGTERM to it). */
  signal: AbortSignal;
}

export function adminAuthFromEnv(env: Record<string, string | undefined>): OutboxAdminAuth {
  const user = env['ANYMAIL_OUTBOX_ADMIN_USER'];
  const password = env['ANYMAIL_OUTBOX_ADMIN_PASSWORD'];
  const token = env['ANYMAIL_OUTBOX_ADMIN_TOKEN'];
  if ((user === undefined) !== (password === undefined)) {
    throw new AnymailConfigurationError('Set both ANYMAIL_OUTBOX_ADMIN_USER and ANYMAIL_OUTBOX_ADMIN_PASSWORD (or neither, with ANYMAIL_OUTBOX_ADMIN_TOKEN).');
  }
  if (user === undefined && token === undefined) {
    throw new AnymailConfigurationError(
      'The admin needs a credential: set ANYMAIL_OUTBOX_ADMIN_USER and ANYMAIL_OUTBOX_ADMIN_PASSWORD, or ANYMAIL_OUTBOX_ADMIN_TOKEN.',
    );
  }
  return {
    ...(user !== undefined ? { users: [{ username: user, password: password! }] } : {}),
    ...(token !== undefined ? { tokens: [{ name: 'env', token }] } : {}),
    ...(env['ANYMAIL_OUTBOX_ADMIN_SECRET'] ? { sessionSecret: env['ANYMAIL_OUTBOX_ADMIN_SECRET'] } : {}),
  };
}

/** Serve until the signal aborts. Resolves once the server has closed. */
export async function serveAdmin(outbox: Outbox, options: AdminCliOptions): Promise<void> {
  const port = Number(options.port ?? 8025);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AnymailConfigurationError(`--port must be a port number (got ${options.port}).`);
  const host = options.host ?? '127.0.0.1';
  const admin = createOutboxAdmin({ outbox, auth: adminAuthFromEnv(options.env), ...(options.basePath ? { basePath: options.basePath } : {}) });
  const server = createServer((req, res) => void admin.node(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  options.out(`Outbox admin on http://${shown}:${address.port}${options.basePath ?? ''}/ (Ctrl-C stops it).`);
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
