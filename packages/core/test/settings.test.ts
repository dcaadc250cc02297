import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../src/backends/memory-backend.js';
import { AnymailConfigurationError } from '../src/errors.js';
import { configure, getSettings, loadSetting, settingEnvNames } from '../src/settings.js';

afterEach(() => {
  configure({});
});

function configureError(settings: unknown): AnymailConfigurationError {
  try {
    configure(settings as never);
  } catch (error) {
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    return error as AnymailConfigurationError;
  }
  throw new Error('configure() accepted invalid settings');
}

describe('configure', () => {
  it('accepts every documented key', () => {
    const settings = {
      emailBackend: 'memory',
      backends: { default: 'memory', other: { backend: MemoryBackend, options: { failSilently: true } }, inst: new MemoryBackend() },
      defaultFromEmail: 'app@example.com',
      serverEmail: 'server@example.com',
      admins: ['admin@example.com', ['Ann Admin', 'ann@example.com']] as (string | [string, string])[],
      managers: ['manager@example.com'],
      emailSubjectPrefix: '[app] ',
      smtp: { host: 'smtp.example.com', port: 587, username: 'u', password: 'p', useTls: true, useSsl: false, timeoutMs: 1000, tls: { rejectUnauthorized: false, servername: 'smtp.example.com', ca: 'PEM' } },
      anymail: { mailgun: { apiKey: 'key' } },
      emailFilePath: '/tmp/mail',
      debugLog: () => {},
    };
    configure(settings);
    expect(getSettings()).toEqual(settings);
  });

  it('replaces the settings entirely; configure({}) resets them', () => {
    configure({ defaultFromEmail: 'a@example.com' });
    configure({ serverEmail: 'b@example.com' });
    expect(getSettings()).toEqual({ serverEmail: 'b@example.com' });
    configure({});
    expect(getSettings()).toEqual({});
  });

  it('names an unknown top-level key', () => {
    const error = configureError({ defaultFromEmial: 'x@example.com' });
    expect(error.message).toContain('unknown setting defaultFromEmial');
    expect(error.category).toBe('configuration');
    expect(error.code).toBe('ANYMAIL_CONFIGURATION_ERROR');
  });

  it('names an unknown nested key with its path', () => {
    expect(configureError({ smtp: { hostname: 'x' } }).message).toContain('unknown setting smtp.hostname');
  });

  it('names a mistyped value with its path', () => {
    expect(configureError({ smtp: { port: '25' } }).message).toMatch(/smtp\.port: .*number/);
    expect(configureError({ admins: [42] }).message).toContain('admins.0');
    expect(configureError({ anymail: { mailgun: 'key' } }).message).toContain('anymail.mailgun');
    expect(configureError({ emailBackend: 42 }).message).toContain('emailBackend');
    expect(configureError({ debugLog: 'yes' }).message).toContain('debugLog');
  });

  it('keeps the previous settings when validation fails', () => {
    configure({ defaultFromEmail: 'kept@example.com' });
    configureError({ nope: true });
    expect(getSettings()).toEqual({ defaultFromEmail: 'kept@example.com' });
  });
});

describe('loadSetting', () => {
  const env = {
    MAILGUN_API_KEY: 'from-env',
    ANYMAIL_MAILGUN_API_KEY: 'from-anymail-env',
    ANYMAIL_MAILGUN_SENDER_DOMAIN: 'anymail-env.example.com',
  };

  it('prefers the option, then configure, then <ESP>_<NAME>, then ANYMAIL_<ESP>_<NAME>', () => {
    configure({ anymail: { mailgun: { apiKey: 'from-settings' } } });
    expect(loadSetting({ esp: 'mailgun', name: 'apiKey', value: 'from-option', env })).toBe('from-option');
    expect(loadSetting({ esp: 'mailgun', name: 'apiKey', env })).toBe('from-settings');
    configure({});
    expect(loadSetting({ esp: 'mailgun', name: 'apiKey', env })).toBe('from-env');
    expect(loadSetting({ esp: 'mailgun', name: 'senderDomain', env })).toBe('anymail-env.example.com');
  });

  it('reads process.env by default and ignores empty variables', () => {
    process.env.ANYMAIL_TESTESP_SOME_TOKEN = 'process-env';
    process.env.TESTESP_SOME_TOKEN = '';
    try {
      expect(loadSetting({ esp: 'testesp', name: 'someToken' })).toBe('process-env');
    } finally {
      delete process.env.ANYMAIL_TESTESP_SOME_TOKEN;
      delete process.env.TESTESP_SOME_TOKEN;
    }
  });

  it('tries extra env names last, and converts with fromEnv', () => {
    expect(loadSetting({ esp: 'ses', name: 'region', env: { AWS_REGION: 'eu-west-1' }, extraEnv: ['AWS_REGION'] })).toBe('eu-west-1');
    expect(loadSetting<number>({ esp: 'x', name: 'timeoutMs', env: { X_TIMEOUT_MS: '1500' }, fromEnv: Number })).toBe(1500);
  });

  it('falls back to the default, even when the default is undefined', () => {
    expect(loadSetting({ esp: 'mailgun', name: 'region', default: 'us', env: {} })).toBe('us');
    expect(loadSetting<string | undefined>({ esp: 'mailgun', name: 'region', default: undefined, env: {} })).toBeUndefined();
  });

  it('names every place it tried when a required setting is missing', () => {
    let error: unknown;
    try {
      loadSetting({ esp: 'sendgrid', name: 'apiKey', env: {}, extraEnv: ['SENDGRID_KEY'] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    const text = (error as Error).message;
    expect(text).toContain('apiKey option');
    expect(text).toContain('configure({ anymail: { sendgrid: { apiKey');
    expect(text).toContain('SENDGRID_API_KEY');
    expect(text).toContain('ANYMAIL_SENDGRID_API_KEY');
    expect(text).toContain('SENDGRID_KEY');
  });

  it('does not mistake inherited object properties for settings', () => {
    configure({ anymail: { mailgun: {} } });
    expect(() => loadSetting({ esp: 'mailgun', name: 'constructor', env: {} })).toThrow(AnymailConfigurationError);
    expect(() => loadSetting({ esp: 'toString', name: 'apiKey', env: {} })).toThrow(AnymailConfigurationError);
  });

  it('finds settings under the lower-case ESP key', () => {
    configure({ anymail: { sendgrid: { apiKey: 'lower' } } });
    expect(loadSetting({ esp: 'SendGrid', name: 'apiKey', env: {} })).toBe('lower');
  });

  it('turns a fromEnv failure into a configuration error naming the variable but not its value', () => {
    const fromEnv = (raw: string) => {
      const parsed = Number(raw);
      if (Number.isNaN(parsed)) throw new Error('not a number');
      return parsed;
    };
    let error: unknown;
    try {
      loadSetting<number>({ esp: 'x', name: 'timeoutMs', env: { X_TIMEOUT_MS: 'secret-ish' }, fromEnv });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    expect((error as Error).message).toContain('X_TIMEOUT_MS');
    expect((error as Error).message).not.toContain('secret-ish');
  });

  it('maps camelCase names to UPPER_SNAKE environment names', () => {
    expect(settingEnvNames('postmark', 'serverToken')).toEqual(['POSTMARK_SERVER_TOKEN', 'ANYMAIL_POSTMARK_SERVER_TOKEN']);
    expect(settingEnvNames('sendgrid', 'trackingWebhookVerificationKey', ['X'])).toEqual([
      'SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY',
      'ANYMAIL_SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY',
      'X',
    ]);
  });
});
