import {
  defineEspOptions,
  envMeta,
  loadSetting,
  type BaseEspBackendOptions,
  type OptionsMatchSchema, checkSettings, withTrailingSlash,
} from '@anymail/core/esp';
import { z } from 'zod';

/** Options of `MailjetBackend` (plus everything `BaseEspBackendOptions` takes). */
export interface MailjetBackendOptions extends BaseEspBackendOptions {
  /**
   * The Mailjet API key (the basic-auth user name), from the account's API key management page.
   * A main account's or a sub-account's key.
   * Env: `MAILJET_API_KEY` or `ANYMAIL_MAILJET_API_KEY`.
   * @see https://app.mailjet.com/account/apikeys
   */
  apiKey?: string;
  /**
   * The Mailjet secret key (the basic-auth password; Mailjet's docs also call it the "private key").
   * Env: `MAILJET_SECRET_KEY` or `ANYMAIL_MAILJET_SECRET_KEY`.
   * @see https://dev.mailjet.com/email/guides/#authentication
   */
  secretKey?: string;
  /**
   * The Send API v3.1 base URL; messages are posted to `<apiUrl>send`.
   * @default 'https://api.mailjet.com/v3.1/'
   * Env: `MAILJET_API_URL` or `ANYMAIL_MAILJET_API_URL`.
   */
  apiUrl?: string;
}

/** Every option MailjetBackend takes, checked at run time (an unknown key names the closest valid one). */
export const mailjetOptions = defineEspOptions('Mailjet', 'mailjet', {
  apiKey: z.string().optional().meta(envMeta('Mailjet', 'apiKey')),
  secretKey: z.string().optional().meta(envMeta('Mailjet', 'secretKey')),
  apiUrl: z.string().optional().meta(envMeta('Mailjet', 'apiUrl')),
});

export const MAILJET_DEFAULT_API_URL = 'https://api.mailjet.com/v3.1/';

/** The settings as the backend uses them: looked up once, in the constructor. */
export interface MailjetSettings {
  apiKey: string;
  secretKey: string;
  /** Always ends with '/'. */
  apiUrl: string;
  /** `Basic base64(apiKey:secretKey)`, computed once. */
  authorization: string;
}

const resolvedSchema = z.object({
  apiKey: z.string().min(1, 'apiKey must not be empty').refine((key) => !key.includes(':'), {
    message: "apiKey must not contain ':' (it is the basic-auth user name); check you did not paste 'key:secret' into it",
  }),
  secretKey: z.string().min(1, 'secretKey must not be empty'),
  apiUrl: z.url('apiUrl must be an absolute URL such as https://api.mailjet.com/v3.1/'),
});

/** The checked options → settings: each value from the option, `configure()` or the environment; errors never show a key. */
export function mailjetSettings(options: MailjetBackendOptions): MailjetSettings {
  const raw = {
    apiKey: loadSetting({ esp: 'Mailjet', name: 'apiKey', value: options.apiKey }),
    secretKey: loadSetting({ esp: 'Mailjet', name: 'secretKey', value: options.secretKey }),
    apiUrl: loadSetting({ esp: 'Mailjet', name: 'apiUrl', value: options.apiUrl, default: MAILJET_DEFAULT_API_URL }),
  };
  const data = checkSettings('Mailjet', resolvedSchema, raw);
  const { apiKey, secretKey } = data;
  const apiUrl = withTrailingSlash(data.apiUrl);
  const authorization = `Basic ${Buffer.from(`${apiKey}:${secretKey}`, 'utf8').toString('base64')}`;
  return { apiKey, secretKey, apiUrl, authorization };
}

// Compile-time: the interface above and the schema name the same options.
const sameKeys: OptionsMatchSchema<MailjetBackendOptions, typeof mailjetOptions> = true;
void sameKeys;
