import { AnymailConfigurationError, EmailMessage, configure, getConnection } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailjetBackend } from '../src/index.js';
import { mailjetFakeRoutes } from '../src/test/index.js';

let esp: FakeEsp;
beforeAll(async () => {
  esp = await startFakeEsp(mailjetFakeRoutes({ apiKey: 'tenant-key', secretKey: 'tenant-secret' }));
});
afterAll(async () => {
  await esp.close();
});
afterEach(() => {
  configure({});
  esp.calls.length = 0;
});

async function configError(run: () => unknown): Promise<AnymailConfigurationError> {
  const caught = await (async () => {
    try {
      await run();
    } catch (error) {
      return error;
    }
  })();
  expect(caught).toBeInstanceOf(AnymailConfigurationError);
  return caught as AnymailConfigurationError;
}

describe('MailjetBackend options', () => {
  it('a mistyped per-call override is an error naming the closest option, never a send with the default key', async () => {
    configure({ anymail: { mailjet: { apiKey: 'tenant-key', secretKey: 'tenant-secret', apiUrl: esp.url } } });
    // @ts-expect-error secretkey is not an option of MailjetBackend
    const error = await configError(() => getConnection(MailjetBackend, { secretkey: 'OTHER' }));
    expect(error.message).toContain('did you mean secretKey?');
    expect(error.message).not.toContain('OTHER');
    expect(esp.calls).toHaveLength(0);
  });

  it('takes its settings from configure({ anymail: { mailjet } }) and sends with them', async () => {
    configure({ anymail: { mailjet: { apiKey: 'tenant-key', secretKey: 'tenant-secret', apiUrl: esp.url } } });
    const connection = await getConnection(MailjetBackend);
    await new EmailMessage({ from: 'f@example.com', to: ['t@example.com'], subject: 's', body: 'b', connection }).send();
    await connection.close();
    expect(esp.calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from('tenant-key:tenant-secret').toString('base64')}`);
  });

  it('refuses a value of the wrong type without echoing it', async () => {
    const error = await configError(() => new MailjetBackend({ apiKey: 12345 as never, secretKey: 's', apiUrl: esp.url }));
    expect(error.message).toContain('apiKey');
    expect(error.message).not.toContain('12345');
  });
});
