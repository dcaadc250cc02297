import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { SMTPServerOptions } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnymailAPIError, AnymailConfigurationError, AnymailRecipientsRefused } from '../src/errors.js';
import { EmailMessage } from '../src/message.js';
import { configure } from '../src/settings.js';
import { postSend } from '../src/signals.js';
import { SmtpBackend } from '../src/backends/smtp-backend.js';
import { closeTestSmtpServers, headersOf, startTestSmtp, type TestSmtp } from './support/test-smtp.js';

function message(overrides: Partial<ConstructorParameters<typeof EmailMessage>[0]> = {}): EmailMessage {
  return new EmailMessage({
    subject: 'Hello over SMTP',
    body: 'Plain body',
    from: 'Sender <from@example.com>',
    to: ['To One <to1@example.com>'],
    cc: ['cc@example.com'],
    bcc: ['bcc@example.com'],
    ...overrides,
  });
}

beforeEach(() => {
  configure({});
});

afterEach(async () => {
  await closeTestSmtpServers();
  configure({});
});

describe('SmtpBackend plain send', () => {
  it('delivers the exact envelope and a parseable message, and sets a sent status', async () => {
    const smtp = await startTestSmtp();
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port });
    const email = message({ envelopeSender: 'bounces@example.com' });
    expect(await backend.sendMessages([email])).toBe(1);

    expect(smtp.received).toHaveLength(1);
    const [received] = smtp.received;
    expect(received!.from).toBe('bounces@example.com');
    expect(received!.to).toEqual(['to1@example.com', 'cc@example.com', 'bcc@example.com']);
    const headers = headersOf(received!.raw);
    expect(headers.subject).toBe('Hello over SMTP');
    expect(headers.from).toContain('from@example.com');
    expect(headers.to).toContain('to1@example.com');
    expect(received!.raw).toContain('Plain body');

    const status = email.anymailStatus!;
    expect([...status.status]).toEqual(['sent']);
    expect(status.espName).toBe('SMTP');
    expect(Object.keys(status.recipients)).toEqual(['to1@example.com', 'cc@example.com', 'bcc@example.com']);
    expect(status.espResponse).toMatch(/^250/);
    // The id reported is the one in the message sent (or none), never one nodemailer invented.
    if (status.messageId !== null) expect(status.messageId).toBe(headers['message-id']);
    else expect(headers['message-id']).toBeUndefined();
  });

  it('uses the from address as envelope sender when there is no envelopeSender', async () => {
    const smtp = await startTestSmtp();
    await new SmtpBackend({ host: '127.0.0.1', port: smtp.port }).sendMessages([message()]);
    expect(smtp.received[0]!.from).toBe('from@example.com');
  });

  it('sends one RCPT TO per address when an address repeats', async () => {
    const smtp = await startTestSmtp();
    await new SmtpBackend({ host: '127.0.0.1', port: smtp.port }).sendMessages([
      message({ to: ['same@example.com'], cc: ['Same Again <same@example.com>'], bcc: [] }),
    ]);
    expect(smtp.received[0]!.to).toEqual(['same@example.com']);
  });

  it('reads host and port from configure({ smtp })', async () => {
    const smtp = await startTestSmtp();
    configure({ smtp: { host: '127.0.0.1', port: smtp.port } });
    const backend = new SmtpBackend();
    expect(backend.port).toBe(smtp.port);
    expect(await backend.sendMessages([message()])).toBe(1);
    expect(smtp.received).toHaveLength(1);
  });

  it('serves every message of one sendMessages call over one connection, and closes it after', async () => {
    const smtp = await startTestSmtp();
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port });
    const sent = await backend.sendMessages([message({ subject: 'one' }), message({ subject: 'two' }), message({ subject: 'three' })]);
    expect(sent).toBe(3);
    expect(smtp.received.map((r) => headersOf(r.raw).subject)).toEqual(['one', 'two', 'three']);
    expect(smtp.connections).toBe(1);
    await backend.sendMessages([message()]);
    expect(smtp.connections).toBe(2);
  });

  it('leaves an already-open connection open across sendMessages calls', async () => {
    const smtp = await startTestSmtp();
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port });
    expect(await backend.open()).toBe(true);
    expect(await backend.open()).toBe(false);
    await backend.sendMessages([message()]);
    await backend.sendMessages([message()]);
    expect(smtp.received).toHaveLength(2);
    expect(smtp.connections).toBe(1);
    await backend.close();
    await backend.sendMessages([message()]);
    expect(smtp.connections).toBe(2);
  });

  it('fires postSend with the SMTP status', async () => {
    const smtp = await startTestSmtp();
    const seen: string[] = [];
    const receiver = ({ espName, status }: { espName: string; status: { status: Set<string> } }) => {
      seen.push(`${espName}:${[...status.status].join(',')}`);
    };
    postSend.connect(receiver, { sender: SmtpBackend });
    try {
      await new SmtpBackend({ host: '127.0.0.1', port: smtp.port }).sendMessages([message()]);
    } finally {
      postSend.disconnect(receiver, { sender: SmtpBackend });
    }
    expect(seen).toEqual(['SMTP:sent']);
  });
});

describe('SmtpBackend AUTH', () => {
  for (const method of ['PLAIN', 'LOGIN'] as const) {
    it(`logs in with AUTH ${method} and sends`, async () => {
      const smtp: TestSmtp = await startTestSmtp({
        disabledCommands: [],
        authMethods: [method],
        allowInsecureAuth: true,
        onAuth(auth, _session, callback) {
          smtp.authAttempts.push({ method: auth.method, username: auth.username });
          if (auth.username === 'user' && auth.password === 's3cret') return callback(null, { user: 'user' });
          return callback(new Error('Invalid username or password'));
        },
      });
      const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, username: 'user', password: 's3cret' });
      expect(await backend.sendMessages([message()])).toBe(1);
      expect(smtp.authAttempts).toEqual([{ method, username: 'user' }]);
      expect(smtp.received).toHaveLength(1);
    });

    it(`raises an auth AnymailAPIError for bad AUTH ${method} credentials, without the password`, async () => {
      const smtp: TestSmtp = await startTestSmtp({
        disabledCommands: [],
        authMethods: [method],
        allowInsecureAuth: true,
        onAuth(_auth, _session, callback) {
          callback(new Error('Invalid username or password'));
        },
      });
      const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, username: 'user', password: 'wrong-pass' });
      const error = await backend.sendMessages([message()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnymailAPIError);
      expect((error as AnymailAPIError).category).toBe('auth');
      expect((error as AnymailAPIError).retryable).toBe(false);
      expect((error as Error).message).not.toContain('wrong-pass');
      expect(smtp.received).toHaveLength(0);
    });
  }

  it('does not try AUTH when the username is empty', async () => {
    const smtp: TestSmtp = await startTestSmtp({
      disabledCommands: [],
      authOptional: true,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        smtp.authAttempts.push({ method: auth.method, username: auth.username });
        callback(new Error('no'));
      },
    });
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, username: '', password: '' });
    expect(await backend.sendMessages([message()])).toBe(1);
    expect(smtp.authAttempts).toEqual([]);
  });
});

describe('SmtpBackend refusals and failures', () => {
  const refuseSome: Partial<SMTPServerOptions> = {
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('bad')) {
        const error = new Error('No such user') as Error & { responseCode: number };
        error.responseCode = 550;
        return callback(error);
      }
      return callback();
    },
  };

  it('raises AnymailRecipientsRefused when every recipient is refused', async () => {
    const smtp = await startTestSmtp(refuseSome);
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port });
    const email = message({ to: ['bad1@example.com'], cc: ['bad2@example.com'], bcc: [] });
    const error = await backend.sendMessages([email]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailRecipientsRefused);
    expect((error as AnymailRecipientsRefused).category).toBe('recipients-refused');
    expect((error as Error).message).toContain('bad1@example.com');
    expect(smtp.received).toHaveLength(0);
    expect([...email.anymailStatus!.status]).toEqual(['rejected']);
  });

  it('sends to the accepted recipients and marks the refused ones rejected', async () => {
    const smtp = await startTestSmtp(refuseSome);
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port });
    const email = message({ to: ['good@example.com'], cc: ['bad@example.com'], bcc: [] });
    expect(await backend.sendMessages([email])).toBe(1);
    expect(smtp.received[0]!.to).toEqual(['good@example.com']);
    expect(email.anymailStatus!.recipients['good@example.com']!.status).toBe('sent');
    expect(email.anymailStatus!.recipients['bad@example.com']).toEqual({ status: 'rejected', messageId: null });
  });

  it('swallows the refusal with failSilently and counts the message as not sent', async () => {
    const smtp = await startTestSmtp(refuseSome);
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, failSilently: true });
    const sent = await backend.sendMessages([message({ to: ['bad@example.com'], cc: [], bcc: [] }), message()]);
    expect(sent).toBe(1);
    expect(smtp.received).toHaveLength(1);
  });

  it('raises a network AnymailAPIError (delivery known not to happen) for a refused port', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const backend = new SmtpBackend({ host: '127.0.0.1', port, timeoutMs: 5000 });
    const error = await backend.sendMessages([message()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect((error as AnymailAPIError).category).toBe('network');
    expect((error as AnymailAPIError).deliveryUnknown).toBe(false);
    expect((error as AnymailAPIError).retryable).toBe(true);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('raises a timeout AnymailAPIError when the server never greets', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      // The default connect timeout is shorter than the socket timeout: the greeting timeout fires.
      const backend = new SmtpBackend({ host: '127.0.0.1', port, timeoutMs: 400 });
      const error = await backend.sendMessages([message()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnymailAPIError);
      expect((error as Error).message).toContain('Greeting never received');
      expect((error as AnymailAPIError).category).toBe('timeout');
      expect((error as AnymailAPIError).retryable).toBe(true);
      // Never greeted, so nothing was sent: FailoverBackend may try the next backend.
      expect((error as AnymailAPIError).deliveryUnknown).toBe(false);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('reports a timeout waiting for the reply to DATA as delivery unknown', async () => {
    const smtp = await startTestSmtp({
      onData(stream) {
        stream.resume(); // reads the message and never answers
      },
    });
    const backend = new SmtpBackend({ host: '127.0.0.1', port: smtp.port, timeoutMs: 500, connectTimeoutMs: 5000 });
    const error = await backend.sendMessages([message()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect((error as AnymailAPIError).category).toBe('timeout');
    expect((error as AnymailAPIError).deliveryUnknown).toBe(true);
  });

  it('classifies a 4xx reply to DATA as a retryable server error', async () => {
    const smtp = await startTestSmtp({
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          const error = new Error('Try again later') as Error & { responseCode: number };
          error.responseCode = 450;
          callback(error);
        });
      },
    });
    const error = await new SmtpBackend({ host: '127.0.0.1', port: smtp.port }).sendMessages([message()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect((error as AnymailAPIError).category).toBe('server');
    expect((error as AnymailAPIError).statusCode).toBe(450);
  });

  it('refuses useTls together with useSsl', () => {
    expect(() => new SmtpBackend({ useTls: true, useSsl: true })).toThrow(AnymailConfigurationError);
  });

  it('defaults the port to 465 with useSsl and 25 otherwise', () => {
    expect(new SmtpBackend({ useSsl: true }).port).toBe(465);
    expect(new SmtpBackend().port).toBe(25);
  });
});
