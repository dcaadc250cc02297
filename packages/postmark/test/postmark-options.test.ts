// Regression tests of issue 14: strict, typed options on every path.
import { AnymailConfigurationError, EmailMessage, configure, getConnection } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostmarkBackend } from '../src/index.js';
import { postmarkFakeRoutes } from '../src/test/index.js';

let esp: FakeEsp;
beforeAll(async () => {
  esp = await startFakeEsp(postmarkFakeRoutes());
});
afterAll(async () => {
  await esp.close();
});
afterEach(() => {
  configure({});
  esp.calls.length = 0;
});

async function configError(run: () => unknown): Promise<AnymailConfigurationError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AnymailConfigurationError);
  return caught as AnymailConfigurationError;
}

describe('PostmarkBackend options', () => {
  it('a mistyped per-call override is an error naming the closest option, never a send with the default token', async () => {
    configure({ anymail: { postmark: { serverToken: 'DEFAULT-TENANT', apiUrl: esp.url } } });
    // @ts-expect-error servertoken is not an option of PostmarkBackend (getConnection is typed by the class)
    const error = await configError(() => getConnection(PostmarkBackend, { servertoken: 'TENANT-2' }));
    expect(error.message).toContain('servertoken');
    expect(error.message).toContain('did you mean serverToken?');
    expect(error.message).not.toContain('TENANT-2');
    expect(esp.calls).toHaveLength(0);
  });

  it('getConnection(Class, options) returns that class', async () => {
    const backend = await getConnection(PostmarkBackend, { serverToken: 't', apiUrl: esp.url });
    const typed: PostmarkBackend = backend;
    expect(typed).toBeInstanceOf(PostmarkBackend);
    expect(typed.messageStream).toBeUndefined();
  });

  it('refuses an unknown constructor option from plain JavaScript', async () => {
    const options = { serverToken: 't', apiUrl: esp.url, messageStrem: 'broadcast' } as object;
    const error = await configError(() => new PostmarkBackend(options));
    expect(error.message).toContain('did you mean messageStream?');
  });

  it('refuses a value of the wrong type without echoing it', async () => {
    const error = await configError(() => new PostmarkBackend({ serverToken: 12345 as never, apiUrl: esp.url }));
    expect(error.message).toContain('serverToken');
    expect(error.message).not.toContain('12345');
  });

  it('refuses an unknown key in configure({ anymail: { postmark } })', async () => {
    const error = await configError(() => configure({ anymail: { postmark: { serverTokn: 'x' } } }));
    expect(error.message).toContain('did you mean serverToken?');
  });

  it('refuses a mistyped sendDefaults field', async () => {
    const error = await configError(() => new PostmarkBackend({ serverToken: 't', sendDefaults: { form: 'a@example.com' } as never }));
    expect(error.message).toContain('sendDefaults.form');
    expect(error.message).toContain('did you mean sendDefaults.from?');
  });

  it('applies ignoreUnsupportedFeatures, ignoreRecipientStatus and sendDefaults from configure', async () => {
    configure({
      anymail: {
        postmark: {
          serverToken: 't',
          apiUrl: esp.url,
          ignoreUnsupportedFeatures: true,
          ignoreRecipientStatus: true,
          sendDefaults: { from: 'configured@example.com', tags: ['configured'] },
        },
      },
    });
    const backend = new PostmarkBackend();
    expect(backend.ignoreUnsupportedFeatures).toBe(true);
    expect(backend.ignoreRecipientStatus).toBe(true);
    const message = new EmailMessage({ to: ['to@example.com'], body: 'B', connection: backend });
    await expect(message.send()).resolves.toBe(1);
    await backend.close();
    const body = esp.calls[0]!.json() as { From: string; Tag?: string };
    expect(body.From).toBe('configured@example.com');
    expect(body.Tag).toBe('configured');
  });

  it('lets a constructor option override the configure block', async () => {
    configure({ anymail: { postmark: { serverToken: 't', ignoreUnsupportedFeatures: true } } });
    const strict = new PostmarkBackend({ apiUrl: esp.url, ignoreUnsupportedFeatures: false });
    expect(strict.ignoreUnsupportedFeatures).toBe(false);
  });
});
