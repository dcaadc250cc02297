import { afterEach, describe, expect, it } from 'vitest';
import { AnymailConfigurationError, configure } from '@anymail/core';
import { resolveEspOptions } from '@anymail/core/esp';
import { SparkPostBackend } from '../src/index.js';
import { sparkPostOptions, sparkPostSettings, SPARKPOST_DEFAULT_API_URL, type SparkPostBackendOptions } from '../src/sparkpost-options.js';

/** The options as the kit hands them to `settings` (the configure() block merged under them). */
const resolveSparkPostOptions = (options: SparkPostBackendOptions) => resolveEspOptions(sparkPostOptions, options) as SparkPostBackendOptions;

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  configure({});
});

describe('SparkPost settings', () => {
  it('takes apiKey from the option, then configure(), then SPARKPOST_API_KEY / ANYMAIL_SPARKPOST_API_KEY', () => {
    delete process.env.SPARKPOST_API_KEY;
    process.env.ANYMAIL_SPARKPOST_API_KEY = 'from-anymail-env';
    expect(sparkPostSettings(resolveSparkPostOptions({})).apiKey).toBe('from-anymail-env');
    process.env.SPARKPOST_API_KEY = 'from-env';
    expect(sparkPostSettings(resolveSparkPostOptions({})).apiKey).toBe('from-env');
    configure({ anymail: { sparkpost: { apiKey: 'from-configure' } } });
    expect(sparkPostSettings(resolveSparkPostOptions({})).apiKey).toBe('from-configure');
    expect(sparkPostSettings(resolveSparkPostOptions({ apiKey: 'given' })).apiKey).toBe('given');
  });

  it('names every place it looked when the key is missing', () => {
    delete process.env.SPARKPOST_API_KEY;
    delete process.env.ANYMAIL_SPARKPOST_API_KEY;
    expect(() => sparkPostSettings(resolveSparkPostOptions({}))).toThrow(/SPARKPOST_API_KEY or ANYMAIL_SPARKPOST_API_KEY/);
  });

  it('defaults apiUrl to the US endpoint and keeps a trailing slash on any other (EU)', () => {
    expect(sparkPostSettings({ apiKey: 'k' }).apiUrl).toBe(SPARKPOST_DEFAULT_API_URL);
    expect(sparkPostSettings({ apiKey: 'k', apiUrl: 'https://api.eu.sparkpost.com/api/v1' }).apiUrl).toBe('https://api.eu.sparkpost.com/api/v1/');
    expect(() => sparkPostSettings({ apiKey: 'k', apiUrl: 'api.eu.sparkpost.com' })).toThrow(/apiUrl must be an absolute URL/);
  });

  it('takes a numeric subaccount id (number, digits, or SPARKPOST_SUBACCOUNT) and refuses anything else', () => {
    expect(sparkPostSettings({ apiKey: 'k', subaccount: 123 }).subaccount).toBe('123');
    expect(sparkPostSettings({ apiKey: 'k', subaccount: '456' }).subaccount).toBe('456');
    process.env.SPARKPOST_SUBACCOUNT = '789';
    expect(sparkPostSettings({ apiKey: 'k' }).subaccount).toBe('789');
    expect(() => sparkPostSettings({ apiKey: 'k', subaccount: 'marketing' })).toThrow(AnymailConfigurationError);
    expect(() => sparkPostSettings({ apiKey: 'k', subaccount: 1.5 })).toThrow(/subaccount/);
  });

  it('refuses an unknown option, naming it', () => {
    expect(() => new SparkPostBackend({ apiKey: 'k', api_key: 'k' } as never)).toThrow(/api_key/);
  });

  it('the backend raises AnymailConfigurationError in its constructor when the key is missing', () => {
    delete process.env.SPARKPOST_API_KEY;
    delete process.env.ANYMAIL_SPARKPOST_API_KEY;
    expect(() => new SparkPostBackend()).toThrow(AnymailConfigurationError);
  });

  it('never shows the key in a settings error', () => {
    try {
      sparkPostSettings({ apiKey: 'secret-key-123', apiUrl: 'nope' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('secret-key-123');
    }
  });
});
