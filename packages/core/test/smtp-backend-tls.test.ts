import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnymailAPIError } from '../src/errors.js';
import { EmailMessage } from '../src/message.js';
import { SmtpBackend } from '../src/backends/smtp-backend.js';
import { closeTestSmtpServers, startTestSmtp } from './support/test-smtp.js';

function message(): EmailMessage {
  return new EmailMessage({ subject: 'Over TLS', body: 'Body', from: 'from@example.com', to: ['to@example.com'] });
}

afterEach(closeTestSmtpServers);

describe('SmtpBackend TLS (self-signed certificate made at test time)', () => {
  let dir: string;
  let key: string;
  let cert: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'anymail-smtp-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('upgrades with STARTTLS when useTls is set', async () => {
    let secured = false;
    const smtp = await startTestSmtp({
      hideSTARTTLS: false,
      key,
      cert,
      onMailFrom(_address, session, callback) {
        secured = session.secure;
        callback();
      },
    });
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, useTls: true, tls: { ca: cert } });
    expect(await backend.sendMessages([message()])).toBe(1);
    expect(secured).toBe(true);
  });

  it('fails with a network error when useTls is set and the server offers no STARTTLS', async () => {
    const smtp = await startTestSmtp({ hideSTARTTLS: true });
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, useTls: true, tls: { ca: cert } });
    const error = await backend.sendMessages([message()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect((error as AnymailAPIError).category).toBe('network');
    expect(smtp.received).toHaveLength(0);
  });

  it('speaks implicit TLS when useSsl is set', async () => {
    let secured = false;
    const smtp = await startTestSmtp({
      secure: true,
      key,
      cert,
      onMailFrom(_address, session, callback) {
        secured = session.secure;
        callback();
      },
    });
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, useSsl: true, tls: { ca: cert } });
    expect(await backend.sendMessages([message()])).toBe(1);
    expect(secured).toBe(true);
  });

  it('rejects an untrusted certificate as a network error', async () => {
    const smtp = await startTestSmtp({ secure: true, key, cert });
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, useSsl: true, timeoutMs: 5000 });
    const error = await backend.sendMessages([message()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect((error as AnymailAPIError).category).toBe('network');
    expect(smtp.received).toHaveLength(0);
  });
});
