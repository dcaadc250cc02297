import {
  AnymailConfigurationError,
  defineEspOptions,
  envMeta,
  loadSetting,
  type BaseEspBackendOptions,
  type OptionsMatchSchema,
} from '@anymail/core/esp';
import { z } from 'zod';

/** Mailgun's API hosts: accounts and domains live in one region. */
export const MAILGUN_API_URLS = {
  us: 'https://api.mailgun.net/v3',
  eu: 'https://api.eu.mailgun.net/v3',
} as const;

export type MailgunRegion = keyof typeof MAILGUN_API_URLS;

/** Options for `MailgunBackend`. Every Mailgun setting falls back to `configure()` and the environment. */
export interface MailgunBackendOptions extends BaseEspBackendOptions {
  /**
   * Mailgun API key (a private or domain sending key), sent as HTTP Basic auth `api:<key>`.
   * Env: `MAILGUN_API_KEY` or `ANYMAIL_MAILGUN_API_KEY`.
   * @see https://documentation.mailgun.com/docs/mailgun/api-reference/authentication
   */
  apiKey?: string;
  /**
   * The Mailgun sending domain, when it is not the domain of each message's from address.
   * Per message, `espExtra.senderDomain` and the `envelopeSender`'s domain take precedence.
   * Env: `MAILGUN_SENDER_DOMAIN` or `ANYMAIL_MAILGUN_SENDER_DOMAIN`.
   */
  senderDomain?: string;
  /**
   * The region your Mailgun domains are in: 'us' (api.mailgun.net) or 'eu' (api.eu.mailgun.net).
   * Ignored when `apiUrl` is given. Env: `MAILGUN_REGION` or `ANYMAIL_MAILGUN_REGION`.
   * @default 'us'
   */
  region?: MailgunRegion;
  /**
   * API base URL, including `/v3`. Env: `MAILGUN_API_URL` or `ANYMAIL_MAILGUN_API_URL`.
   * @default 'https://api.mailgun.net/v3' (or the EU URL with region: 'eu')
   */
  apiUrl?: string;
}

/** Every option MailgunBackend takes, checked at run time (an unknown key names the closest valid one). */
export const mailgunOptions = defineEspOptions('Mailgun', 'mailgun', {
  apiKey: z.string().optional().meta(envMeta('mailgun', 'apiKey')),
  senderDomain: z.string().optional().meta(envMeta('mailgun', 'senderDomain')),
  region: z.enum(['us', 'eu']).optional().meta(envMeta('mailgun', 'region')),
  apiUrl: z.string().optional().meta(envMeta('mailgun', 'apiUrl')),
});

// Compile-time: the interface above and the schema name the same options.
const sameKeys: OptionsMatchSchema<MailgunBackendOptions, typeof mailgunOptions> = true;
void sameKeys;

/** What the backend keeps of its options: looked up once, in the constructor. */
export interface MailgunSettings {
  /** The API key, only to hide it from error text (requests carry `authorization`). */
  apiKey: string;
  /** `Basic base64(api:<key>)`, built once. */
  authorization: string;
  senderDomain: string | undefined;
  apiUrl: string;
  region: MailgunRegion;
}

function parseRegion(raw: string): MailgunRegion {
  const region = raw.trim().toLowerCase();
  if (region === 'us' || region === 'eu') return region;
  throw new AnymailConfigurationError(`Mailgun region must be 'us' or 'eu', not ${JSON.stringify(raw)}.`);
}

/** Throw when a sender domain cannot be a path segment of `/v3/{domain}/messages`. */
export function checkSenderDomain(domain: string, where: string): string {
  const trimmed = domain.trim();
  if (trimmed === '' || /[/\\?#%\s]/.test(trimmed)) {
    throw new AnymailConfigurationError(
      `Mailgun sender domain ${JSON.stringify(domain)} (from ${where}) is not a domain name. ` +
        "Give only the domain, like 'mg.example.com', without a scheme, path or '/'.",
    );
  }
  return trimmed;
}

/**
 * The checked options (the kit ran `resolveEspOptions`) → settings: each value from the option,
 * `configure()` or the environment; errors never show the key.
 */
export function mailgunSettings(options: MailgunBackendOptions): MailgunSettings {
  const apiKey = loadSetting<string>({ esp: 'mailgun', name: 'apiKey', value: options.apiKey });
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new AnymailConfigurationError('The Mailgun apiKey is empty. Pass apiKey, or set MAILGUN_API_KEY.');
  }
  const senderDomain = loadSetting<string | undefined>({ esp: 'mailgun', name: 'senderDomain', value: options.senderDomain, default: undefined });
  const region = parseRegion(loadSetting<string>({ esp: 'mailgun', name: 'region', value: options.region, default: 'us' }));
  const apiUrl = loadSetting<string>({ esp: 'mailgun', name: 'apiUrl', value: options.apiUrl, default: MAILGUN_API_URLS[region] });
  try {
    new URL(apiUrl);
  } catch {
    throw new AnymailConfigurationError(`Mailgun apiUrl ${JSON.stringify(apiUrl)} is not a URL. Use e.g. '${MAILGUN_API_URLS.eu}'.`);
  }
  return {
    apiKey,
    authorization: `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`,
    senderDomain: senderDomain === undefined || senderDomain === '' ? undefined : checkSenderDomain(senderDomain, 'the senderDomain option'),
    apiUrl,
    region,
  };
}
