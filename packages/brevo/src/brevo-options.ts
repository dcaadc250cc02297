import {
  defineEspOptions,
  envMeta,
  loadSetting,
  type BaseEspBackendOptions,
  type OptionsMatchSchema, checkSettings, withTrailingSlash,
} from '@anymail/core/esp';
import { z } from 'zod';

/** Options of `BrevoBackend` (plus everything `BaseEspBackendOptions` takes). */
export interface BrevoBackendOptions extends BaseEspBackendOptions {
  /**
   * A Brevo v3 API key (`xkeysib-…`, from Settings → SMTP & API → API keys; not an SMTP key),
   * sent as the `api-key` header.
   * Env: `BREVO_API_KEY` or `ANYMAIL_BREVO_API_KEY`.
   * @see https://developers.brevo.com/docs/getting-started
   */
  apiKey?: string;
  /**
   * The API base URL. @default 'https://api.brevo.com/v3/'
   * Env: `BREVO_API_URL` or `ANYMAIL_BREVO_API_URL`.
   */
  apiUrl?: string;
}

/** Every option BrevoBackend takes, checked at run time (an unknown key names the closest valid one). */
export const brevoOptions = defineEspOptions('Brevo', 'brevo', {
  apiKey: z.string().optional().meta(envMeta('Brevo', 'apiKey')),
  apiUrl: z.string().optional().meta(envMeta('Brevo', 'apiUrl')),
});

export const BREVO_DEFAULT_API_URL = 'https://api.brevo.com/v3/';

/** What the backend keeps of its options: looked up once, in the constructor. */
export interface BrevoSettings {
  apiKey: string;
  /** Ends with '/'. */
  apiUrl: string;
}

const resolvedSchema = z.object({
  apiKey: z.string().min(1, 'apiKey must not be empty'),
  apiUrl: z.url('apiUrl must be an absolute URL such as https://api.brevo.com/v3/'),
});

/** Look the API key and URL up (option, `configure()`, env) and check them; errors never show the key. */
export function resolveBrevoApi(given: { apiKey?: string | undefined; apiUrl?: string | undefined; env?: NodeJS.ProcessEnv | undefined }): {
  apiKey: string;
  apiUrl: string;
} {
  const env = given.env ? { env: given.env } : {};
  const raw = {
    apiKey: loadSetting({ esp: 'Brevo', name: 'apiKey', value: given.apiKey, ...env }),
    apiUrl: loadSetting({ esp: 'Brevo', name: 'apiUrl', value: given.apiUrl, default: BREVO_DEFAULT_API_URL, ...env }),
  };
  const data = checkSettings('Brevo', resolvedSchema, raw);
  const apiUrl = withTrailingSlash(data.apiUrl);
  return { apiKey: data.apiKey, apiUrl };
}

/** The checked options → settings (also used by the inbound webhook, which downloads attachments with the key). */
export function brevoSettings(options: BrevoBackendOptions): BrevoSettings {
  return resolveBrevoApi(options);
}

// Compile-time: the interface above and the schema name the same options.
const sameKeys: OptionsMatchSchema<BrevoBackendOptions, typeof brevoOptions> = true;
void sameKeys;
