import { AnymailConfigurationError } from '@anymail/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SENDGRID_API_URL, SENDGRID_EU_API_URL, SendGridBackend } from '../src/index.js';
import { sendGridSettings as resolveSendGridOptions } from '../src/sendgrid-options.js';

afterEach(() => vi.unstubAllEnvs());

function clearEnv(): void {
  for (const name of ['SENDGRID_API_KEY', 'ANYMAIL_SENDGRID_API_KEY', 'SENDGRID_REGION', 'SENDGRID_API_URL', 'SENDGRID_GENERATE_MESSAGE_ID', 'SENDGRID_MERGE_FIELD_FORMAT', 'SENDGRID_TIMEOUT_MS']) {
    vi.stubEnv(name, '');
  }
}

describe('SendGrid options', () => {
  it('raises AnymailConfigurationError naming the option and both env vars when the API key is missing', () => {
    clearEnv();
    const error = (() => {
      try {
        new SendGridBackend();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    expect((error as Error).message).toContain('apiKey');
    expect((error as Error).message).toContain('SENDGRID_API_KEY');
    expect((error as Error).message).toContain('ANYMAIL_SENDGRID_API_KEY');
  });

  it('reads the API key from SENDGRID_API_KEY or ANYMAIL_SENDGRID_API_KEY', () => {
    clearEnv();
    vi.stubEnv('ANYMAIL_SENDGRID_API_KEY', 'SG.from-anymail-env');
    expect(resolveSendGridOptions({}).apiKey).toBe('SG.from-anymail-env');
    vi.stubEnv('SENDGRID_API_KEY', 'SG.from-env');
    expect(resolveSendGridOptions({}).apiKey).toBe('SG.from-env');
    expect(resolveSendGridOptions({ apiKey: 'SG.option' }).apiKey).toBe('SG.option');
  });

  it('defaults to the global API and selects the EU host by region, unless apiUrl is given', () => {
    clearEnv();
    expect(resolveSendGridOptions({ apiKey: 'k' }).apiUrl).toBe(SENDGRID_API_URL);
    expect(resolveSendGridOptions({ apiKey: 'k', region: 'eu' }).apiUrl).toBe(SENDGRID_EU_API_URL);
    vi.stubEnv('SENDGRID_REGION', 'eu');
    expect(resolveSendGridOptions({ apiKey: 'k' }).apiUrl).toBe('https://api.eu.sendgrid.com/v3/');
    expect(resolveSendGridOptions({ apiKey: 'k', apiUrl: 'http://127.0.0.1:9/v3' }).apiUrl).toBe('http://127.0.0.1:9/v3/');
    vi.stubEnv('SENDGRID_REGION', 'mars');
    expect(() => resolveSendGridOptions({ apiKey: 'k' })).toThrow(/SENDGRID_REGION/);
  });

  it('reads generateMessageId, mergeFieldFormat and timeoutMs from the environment', () => {
    clearEnv();
    expect(resolveSendGridOptions({ apiKey: 'k' })).toMatchObject({ generateMessageId: true, mergeFieldFormat: undefined, timeoutMs: 30_000 });
    vi.stubEnv('SENDGRID_GENERATE_MESSAGE_ID', 'false');
    vi.stubEnv('SENDGRID_MERGE_FIELD_FORMAT', '-{}-');
    vi.stubEnv('SENDGRID_TIMEOUT_MS', '1500');
    expect(resolveSendGridOptions({ apiKey: 'k' })).toMatchObject({ generateMessageId: false, mergeFieldFormat: '-{}-', timeoutMs: 1500 });
    expect(new SendGridBackend({ apiKey: 'k' }).timeoutMs).toBe(1500);
  });

  it('refuses a mergeFieldFormat without the {} placeholder and a bad apiUrl', () => {
    clearEnv();
    expect(() => resolveSendGridOptions({ apiKey: 'k', mergeFieldFormat: '-name-' })).toThrow(AnymailConfigurationError);
    expect(() => resolveSendGridOptions({ apiKey: 'k', apiUrl: 'not a url' })).toThrow(/apiUrl/);
  });

  it('never puts the API key in a configuration error', () => {
    clearEnv();
    vi.stubEnv('SENDGRID_TIMEOUT_MS', 'SG.secret-looking');
    expect(() => resolveSendGridOptions({ apiKey: 'SG.super-secret' })).toThrow(/SENDGRID_TIMEOUT_MS/);
    try {
      resolveSendGridOptions({ apiKey: 'SG.super-secret' });
    } catch (error) {
      expect((error as Error).message).not.toContain('SG.super-secret');
      expect((error as Error).message).not.toContain('SG.secret-looking');
    }
  });
});
