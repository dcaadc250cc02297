// What a newcomer sees when the configuration is missing or a backend name is wrong.
import { createServer } from 'node:net';
import { AnymailAPIError, AnymailConfigurationError, configure, getConnection, sendMail } from '@anymail/core';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => configure({}));

/** A loopback port with nothing listening (so the connect is refused at once). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('no backend configured', () => {
  it('says that no backend was configured when the default SMTP server is not there', async () => {
    // Only the port is set (to a closed one), so the test never talks to a real port 25.
    configure({ defaultFromEmail: 'app@example.com', smtp: { port: await closedPort() } });
    const error = await sendMail({ subject: 'Hi', message: 'Hello', recipientList: ['you@example.com'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AnymailAPIError);
    const text = (error as Error).message;
    expect(text).toMatch(/^SMTP send to localhost:\d+ failed: .*ECONNREFUSED/);
    expect(text).toContain('No email backend is configured, so Anymail used its default: SMTP on localhost');
    expect(text).toContain("configure({ emailBackend: 'console' })");
    expect(text).toContain("configure({ emailBackend: '@anymail/postmark' })");
  });

  it('gives no such hint once an SMTP host is configured', async () => {
    configure({ defaultFromEmail: 'app@example.com', smtp: { host: '127.0.0.1', port: await closedPort() } });
    const error = await sendMail({ subject: 'Hi', message: 'Hello', recipientList: ['you@example.com'] }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/^SMTP send to 127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/);
    expect((error as Error).message).not.toContain('No email backend');
  });
});

describe('an unknown backend name', () => {
  async function messageFor(name: string): Promise<string> {
    const error = await getConnection(name).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    return (error as Error).message;
  }

  it.each([
    ['consol', 'Did you mean the built-in "console"?'],
    ['Memory', 'Did you mean the built-in "memory"?'],
    ['smpt', 'Did you mean the built-in "smtp"?'],
    ['ConsoleBackend', 'Did you mean the built-in "console"?'],
    ['postmark', 'Did you mean the ESP package "@anymail/postmark"? Install it (npm install @anymail/postmark)'],
    ['PostmarkBackend', 'Did you mean the ESP package "@anymail/postmark"?'],
    ['sendgird', 'Did you mean the ESP package "@anymail/sendgrid"?'],
    ['ses', 'Did you mean the ESP package "@anymail/ses"?'],
    ['@anymail/sparkpostx', 'If it is a package, install it in your app (npm install @anymail/sparkpostx)'],
  ])('%s: suggests the closest match', async (name, suggestion) => {
    const text = await messageFor(name);
    expect(text).toContain(suggestion);
    expect(text).not.toContain('pnpm add');
  });

  it('suggests nothing misleading for a name close to nothing', async () => {
    const text = await messageFor('carrier-pigeon');
    expect(text).not.toContain('Did you mean');
    expect(text).toContain('an ESP package such as "@anymail/postmark"');
  });
});
