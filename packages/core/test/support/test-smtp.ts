import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface TestSmtp {
  port: number;
  received: ReceivedMail[];
  connections: number;
  authAttempts: { method: string; username: string | undefined }[];
  close(): Promise<void>;
}

const servers: TestSmtp[] = [];

/**
 * A real SMTP server (smtp-server) on 127.0.0.1, port 0, recording envelopes, raw messages,
 * connections and AUTH attempts. AUTH and STARTTLS are off unless `options` turn them on.
 */
export async function startTestSmtp(options: Partial<SMTPServerOptions> = {}): Promise<TestSmtp> {
  const state: TestSmtp = { port: 0, received: [], connections: 0, authAttempts: [], close: async () => {} };
  const server = new SMTPServer({
    disabledCommands: ['AUTH'],
    hideSTARTTLS: true,
    logger: false,
    onConnect(_session, callback) {
      state.connections++;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        state.received.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          to: envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback(null);
      });
    },
    ...options,
  });
  // A client that drops the TLS handshake makes the server emit 'error'; tests check the client side.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  servers.push(state);
  return state;
}

/** Close every server started since the last call (for afterEach). */
export async function closeTestSmtpServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => server.close()));
}

/** The header block of a raw message as a lower-cased name → value map (unfolded). */
export function headersOf(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Not a header line: ${JSON.stringify(line)}`);
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
