import {
  defineEspOptions,
  envMeta,
  loadSetting,
  type BaseEspBackendOptions,
  type OptionsMatchSchema, checkSettings, withTrailingSlash,
} from '@anymail/core/esp';
import { z } from 'zod';

/** Options of `SparkPostBackend` (plus everything `BaseEspBackendOptions` takes). */
export interface SparkPostBackendOptions extends BaseEspBackendOptions {
  /**
   * A SparkPost API key with at least the "Transmissions: Read/Write" permission, sent as the bare
   * `Authorization` header (SparkPost uses no `Bearer` prefix).
   * Env: `SPARKPOST_API_KEY` or `ANYMAIL_SPARKPOST_API_KEY`.
   * @see https://developers.sparkpost.com/api/#header-authentication
   */
  apiKey?: string;
  /**
   * The versioned API base URL. Use `https://api.eu.sparkpost.com/api/v1` for a SparkPost EU
   * account (a separate account with its own keys), or your Enterprise endpoint.
   * @default 'https://api.sparkpost.com/api/v1/'
   * Env: `SPARKPOST_API_URL` or `ANYMAIL_SPARKPOST_API_URL`.
   * @see https://developers.sparkpost.com/api/#header-endpoints
   */
  apiUrl?: string;
  /**
   * Send on behalf of this subaccount (its numeric id), with the primary account's API key: sent as
   * the `X-MSYS-SUBACCOUNT` header. Leave unset when using the subaccount's own key.
   * Env: `SPARKPOST_SUBACCOUNT` or `ANYMAIL_SPARKPOST_SUBACCOUNT`.
   * @see https://developers.sparkpost.com/api/subaccounts/
   */
  subaccount?: number | string;
}

/** Every option SparkPostBackend takes, checked at run time (an unknown key names the closest valid one). */
export const sparkPostOptions = defineEspOptions('SparkPost', 'sparkpost', {
  apiKey: z.string().optional().meta(envMeta('sparkpost', 'apiKey')),
  apiUrl: z.string().optional().meta(envMeta('sparkpost', 'apiUrl')),
  subaccount: z.union([z.number(), z.string()]).optional().meta(envMeta('sparkpost', 'subaccount')),
});

export const SPARKPOST_DEFAULT_API_URL = 'https://api.sparkpost.com/api/v1/';

/** The settings as a SparkPost request needs them: looked up once, in the constructor. */
export interface SparkPostSettings {
  apiKey: string;
  /** Always ends with `/`. */
  apiUrl: string;
  /** The subaccount id as sent in `X-MSYS-SUBACCOUNT`, when set. */
  subaccount: string | undefined;
}

const settingsSchema = z.object({
  apiKey: z.string().min(1, 'apiKey must not be empty'),
  apiUrl: z.url('apiUrl must be an absolute URL such as https://api.sparkpost.com/api/v1/'),
  subaccount: z
    .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)], {
      error: 'subaccount must be the numeric id of a SparkPost subaccount',
    })
    .optional(),
});

/**
 * The checked options (the kit merged `configure({ anymail: { sparkpost } })` under them) → settings:
 * each value from the option or the environment, checked; errors never show the key.
 */
export function sparkPostSettings(options: SparkPostBackendOptions): SparkPostSettings {
  const raw = {
    apiKey: loadSetting({ esp: 'sparkpost', name: 'apiKey', value: options.apiKey }),
    apiUrl: loadSetting({ esp: 'sparkpost', name: 'apiUrl', value: options.apiUrl, default: SPARKPOST_DEFAULT_API_URL }),
    subaccount: loadSetting<number | string | undefined>({ esp: 'sparkpost', name: 'subaccount', value: options.subaccount, default: undefined }),
  };
  const data = checkSettings('SparkPost', settingsSchema, raw);
  const { apiKey, apiUrl, subaccount } = data;
  return {
    apiKey,
    apiUrl: withTrailingSlash(apiUrl),
    subaccount: subaccount === undefined ? undefined : String(subaccount),
  };
}

// Compile-time: the interface above and the schema name the same options.
const sameKeys: OptionsMatchSchema<SparkPostBackendOptions, typeof sparkPostOptions> = true;
void sameKeys;
