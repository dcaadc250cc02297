// Issue 14, item 6: Django mail parity (per-call SMTP credentials, client certificates,
// a connection for a block, receiver()).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AnymailConfigurationError,
  EmailMessage,
  MemoryBackend,
  SmtpBackend,
  configure,
  failover,
  postSend,
  preSend,
  receiver,
  sendMail,
  sendMassMail,
  withConnection,
  type PostSendArgs,
  type PreSendArgs,
} from '@anymail/core';
import { closeTestSmtpServers, startTestSmtp } from './support/test-smtp.js';

beforeEach(() => {
  configure({});
  MemoryBackend.outbox.length = 0;
});
afterEach(async () => {
  configure({});
  await closeTestSmtpServers();
});

async function authSmtp() {
  const smtp = await startTestSmtp({
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      smtp.authAttempts.push({ method: auth.method, username: auth.username });
      if (auth.username === 'per-call' && auth.password === 'secret-2') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
  });
  return smtp;
}

describe('per-call SMTP credentials (Django auth_user / auth_password)', () => {
  it('sendMail authenticates with authUser/authPassword instead of the configured account', async () => {
    const smtp = await authSmtp();
    configure({ smtp: { host: '127.0.0.1', port: smtp.port, username: 'configured', password: 'secret-1' } });
    const sent = await sendMail({ subject: 'S', message: 'B', from: 'f@example.com', recipientList: ['t@example.com'], authUser: 'per-call', authPassword: 'secret-2' });
    expect(sent).toBe(1);
    expect(smtp.authAttempts.map((a) => a.username)).toEqual(['per-call']);
  });

  it('sendMassMail uses them for the one connection', async () => {
    const smtp = await authSmtp();
    configure({ smtp: { host: '127.0.0.1', port: smtp.port } });
    const sent = await sendMassMail(
      [
        ['One', 'B', 'f@example.com', ['a@example.com']],
        ['Two', 'B', 'f@example.com', ['b@example.com']],
      ],
      { authUser: 'per-call', authPassword: 'secret-2' },
    );
    expect(sent).toBe(2);
    expect(smtp.received).toHaveLength(2);
    expect(smtp.connections).toBe(1);
  });
});

describe('SMTP client certificates (sslKeyfile / sslCertfile)', () => {
  let dir: string;
  let serverKey: string;
  let serverCert: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'anymail-smtp-client-cert-'));
    const make = (name: string, cn: string) =>
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`,
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', join(dir, `${name}-key.pem`), '-out', join(dir, `${name}-cert.pem`),
      ], { stdio: 'ignore' });
    make('server', 'localhost');
    make('client', 'anymail-client');
    serverKey = readFileSync(join(dir, 'server-key.pem'), 'utf8');
    serverCert = readFileSync(join(dir, 'server-cert.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function certSmtp() {
    // The server trusts only the client certificate, and requires one.
    return startTestSmtp({
      secure: true,
      key: serverKey,
      cert: serverCert,
      requestCert: true,
      rejectUnauthorized: true,
      ca: readFileSync(join(dir, 'client-cert.pem'), 'utf8'),
    } as never);
  }
  const message = () => new EmailMessage({ subject: 'mTLS', body: 'B', from: 'f@example.com', to: ['t@example.com'] });

  it('presents the client certificate, and the server accepts the mail', async () => {
    const smtp = await certSmtp();
    const backend = new SmtpBackend({
      host: '127.0.0.1', port: smtp.port, useSsl: true, tls: { ca: serverCert }, timeoutMs: 5000,
      sslKeyfile: join(dir, 'client-key.pem'), sslCertfile: join(dir, 'client-cert.pem'),
    });
    expect(await backend.sendMessages([message()])).toBe(1);
    expect(smtp.received).toHaveLength(1);
  });

  it('without the certificate the server refuses the connection', async () => {
    const smtp = await certSmtp();
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, useSsl: true, tls: { ca: serverCert }, timeoutMs: 5000 });
    await expect(backend.sendMessages([message()])).rejects.toThrow();
    expect(smtp.received).toHaveLength(0);
  });

  it('a missing key file is a configuration error, even with failSilently', async () => {
    const backend = new SmtpBackend({ host: '127.0.0.1', port: 1, failSilently: true, sslKeyfile: join(dir, 'nope.pem'), sslCertfile: join(dir, 'client-cert.pem') });
    await expect(backend.sendMessages([message()])).rejects.toThrow(AnymailConfigurationError);
  });

  it('comes from the smtp settings too', () => {
    expect(() => configure({ smtp: { sslKeyfile: '/k.pem', sslCertfile: '/c.pem' } })).not.toThrow();
  });
});

describe('withConnection (Django: with get_connection() as connection)', () => {
  class CountingBackend extends MemoryBackend {
    opens = 0;
    closes = 0;
    #open = false;
    override async open(): Promise<boolean> {
      if (this.#open) return false;
      this.#open = true;
      this.opens++;
      return true;
    }
    override async close(): Promise<void> {
      if (!this.#open) return;
      this.#open = false;
      this.closes++;
    }
  }

  it('opens once for the block, sends through the one connection, and closes after', async () => {
    const backend = new CountingBackend();
    const sent = await withConnection(backend, async (connection) => {
      const a = await connection.sendMessages([new EmailMessage({ to: ['a@example.com'] })]);
      const b = await new EmailMessage({ to: ['b@example.com'], connection }).send();
      return a + b;
    });
    expect(sent).toBe(2);
    expect([backend.opens, backend.closes]).toEqual([1, 1]);
  });

  it('closes even when the block throws, and the error comes through', async () => {
    const backend = new CountingBackend();
    await expect(
      withConnection(backend, {}, async () => {
        throw new Error('block failed');
      }),
    ).rejects.toThrow('block failed');
    expect(backend.closes).toBe(1);
  });

  it('uses the default backend when none is named', async () => {
    configure({ emailBackend: 'memory' });
    const count = await withConnection(async (connection) => connection.sendMessages([new EmailMessage({ to: ['a@example.com'] })]));
    expect(count).toBe(1);
    expect(MemoryBackend.outbox).toHaveLength(1);
  });
});

describe('receiver()', () => {
  it('connects one function to several signals and returns it', async () => {
    const seen: string[] = [];
    const onEither = receiver([preSend, postSend], { dispatchUid: 'parity-test' })((payload: PreSendArgs | PostSendArgs) => {
      seen.push('status' in payload ? 'post' : 'pre');
    });
    try {
      await new MemoryBackend().sendMessages([new EmailMessage({ to: ['a@example.com'] })]);
    } finally {
      preSend.disconnect(undefined, { dispatchUid: 'parity-test' });
      postSend.disconnect(undefined, { dispatchUid: 'parity-test' });
    }
    expect(seen).toEqual(['pre', 'post']);
    expect(typeof onEither).toBe('function');
  });

  it('connects to one signal with a sender', async () => {
    let calls = 0;
    const fn = receiver(failover, { sender: MemoryBackend })(() => void calls++);
    expect(failover.hasListeners(MemoryBackend)).toBe(true);
    expect(failover.disconnect(fn, { sender: MemoryBackend })).toBe(true);
    expect(calls).toBe(0);
  });
});
