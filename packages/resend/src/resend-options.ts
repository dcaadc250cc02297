import {
  defineEspOptions,
  envMeta,
  loadSetting,
  type BaseEspBackendOptions,
  type OptionsMatchSchema, checkSettings, withTrailingSlash,
} from '@anymail/core/esp';
import { z } from 'zod';

/** Options of `ResendBackend` (plus everything `BaseEspBackendOptions` takes). */
export interface ResendBackendOptions extends BaseEspBackendOptions {
  /**
   * A Resend API key (`re_…`), sent as `Authorization: Bearer`. A "sending access" key is enough
   * (and safer than "full access").
   * Env: `RESEND_API_KEY` or `ANYMAIL_RESEND_API_KEY`.
   * @see https://resend.com/docs/api-reference/introduction#authentication
   */
  apiKey?: string;
  /**
   * The API base URL. @default 'https://api.resend.com/'
   * Env: `RESEND_API_URL` or `ANYMAIL_RESEND_API_URL`.
   */
  apiUrl?: string;
}

/** Every option ResendBackend takes, checked at run time (an unknown key names the closest valid one). */
export const resendOptions = defineEspOptions('Resend', 'resend', {
  apiKey: z.string().optional().meta(envMeta('Resend', 'apiKey')),
  apiUrl: z.string().optional().meta(envMeta('Resend', 'apiUrl')),
});

/** The options as the backend uses them: looked up once, in the constructor. */
export interface ResendSettings {
  apiKey: string;
  /** Always ends with '/'. */
  apiUrl: string;
}

export const RESEND_DEFAULT_API_URL = 'https://api.resend.com/';

const resolvedSchema = z.object({
  apiKey: z
    .string()
    .min(1, 'apiKey must not be empty')
    // The key goes into a header line: refuse what would break it rather than send a mangled header.
    .regex(/^[\x21-\x7e]+$/, 'apiKey must be printable ASCII without spaces (paste the re_… key from https://resend.com/api-keys)'),
  apiUrl: z.url('apiUrl must be an absolute URL such as https://api.resend.com/'),
});

/** Look every setting up (option, `configure()` block already merged in by the kit, env) and check it; errors never show the key. */
export function resendSettings(options: ResendBackendOptions): ResendSettings {
  const raw = {
    apiKey: loadSetting({ esp: 'Resend', name: 'apiKey', value: options.apiKey }),
    apiUrl: loadSetting({ esp: 'Resend', name: 'apiUrl', value: options.apiUrl, default: RESEND_DEFAULT_API_URL }),
  };
  const data = checkSettings('Resend', resolvedSchema, raw);
  const apiUrl = withTrailingSlash(data.apiUrl);
  return { apiKey: data.apiKey, apiUrl };
}

// Compile-time: the interface above and the schema name the same options.
const sameKeys: OptionsMatchSchema<ResendBackendOptions, typeof resendOptions> = true;
void sameKeys;
