import {
  AnymailConfigurationError,
  defineEspOptions,
  envMeta,
  loadSetting,
  parseBooleanSetting,
  type OptionsMatchSchema,
} from '@anymail/core/esp';
import type { BaseEspBackendOptions } from '@anymail/core/esp';
import { z } from 'zod';

/** SendGrid's global API base URL. */
export const SENDGRID_API_URL = 'https://api.sendgrid.com/v3/';
/** SendGrid's EU API base URL, for EU regional subusers. */
export const SENDGRID_EU_API_URL = 'https://api.eu.sendgrid.com/v3/';

export type SendGridRegion = 'global' | 'eu';

/**
 * Options of `SendGridBackend`. Each has an environment fallback `SENDGRID_<NAME>` or
 * `ANYMAIL_SENDGRID_<NAME>` (e.g. `SENDGRID_API_KEY`), and may also come from
 * `configure({ anymail: { sendgrid: { … } } })`.
 */
export interface SendGridBackendOptions extends BaseEspBackendOptions {
  /**
   * A SendGrid API key with the Mail Send permission, sent as `Authorization: Bearer`.
   * Env: `SENDGRID_API_KEY`, `ANYMAIL_SENDGRID_API_KEY`. Required.
   * @see https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys
   */
  apiKey?: string;
  /**
   * Which SendGrid API host to use when `apiUrl` is not given: `'eu'` for EU regional
   * subusers (`https://api.eu.sendgrid.com/v3/`). Env: `SENDGRID_REGION`.
   * @default 'global'
   */
  region?: SendGridRegion;
  /**
   * API base URL, ending in `/v3/` (requests go to `<apiUrl>mail/send`). Overrides `region`.
   * Env: `SENDGRID_API_URL`.
   * @default 'https://api.sendgrid.com/v3/'
   */
  apiUrl?: string;
  /**
   * Generate a UUID per personalization, send it as `custom_args.anymail_id` and report it as
   * the recipients' `messageId` (SendGrid's response carries no id that its webhooks repeat
   * as is). When off, the `X-Message-Id` response header is reported instead.
   * Env: `SENDGRID_GENERATE_MESSAGE_ID` ('true'/'false').
   * @default true
   */
  generateMessageId?: boolean;
  /**
   * How merge field names become legacy-template substitution keys: `'{}'` is replaced by the
   * field name, e.g. `'-{}-'` turns `name` into `-name-`. Unset: keys are used as given.
   * Not used for dynamic (`d-…`) templates. Per message: `espExtra.mergeFieldFormat`.
   * Env: `SENDGRID_MERGE_FIELD_FORMAT`.
   * @see https://www.twilio.com/docs/sendgrid/for-developers/sending-email/substitution-tags
   */
  mergeFieldFormat?: string;
  /** Response timeout in ms. Env: `SENDGRID_TIMEOUT_MS`. @default 30000 */
  timeoutMs?: number;
}

/** Every option SendGridBackend takes, checked at run time (an unknown key names the closest valid one). */
export const sendGridOptions = defineEspOptions('SendGrid', 'sendgrid', {
  apiKey: z.string().optional().meta(envMeta('sendgrid', 'apiKey')),
  region: z.enum(['global', 'eu']).optional().meta(envMeta('sendgrid', 'region')),
  apiUrl: z.string().optional().meta(envMeta('sendgrid', 'apiUrl')),
  generateMessageId: z.boolean().optional().meta(envMeta('sendgrid', 'generateMessageId')),
  mergeFieldFormat: z.string().optional().meta(envMeta('sendgrid', 'mergeFieldFormat')),
  timeoutMs: z.number().positive().optional().meta(envMeta('sendgrid', 'timeoutMs')),
});

// Compile-time: the interface above and the schema name the same options.
const sameKeys: OptionsMatchSchema<SendGridBackendOptions, typeof sendGridOptions> = true;
void sameKeys;

/** What the backend keeps of its options (looked up once, in the constructor). */
export interface SendGridSettings {
  apiKey: string;
  apiUrl: string;
  generateMessageId: boolean;
  mergeFieldFormat: string | undefined;
  timeoutMs: number;
  /** The same request headers object for every request (never mutated). */
  headers: Readonly<Record<string, string>>;
}

const ESP = 'sendgrid';

function parseTimeout(raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error('expected a positive number of milliseconds');
  return value;
}

/** Check a merge field format holds the `{}` placeholder (shared with `espExtra.mergeFieldFormat`). */
export function checkMergeFieldFormat(format: string | undefined, where: string): string | undefined {
  if (format !== undefined && !format.includes('{}')) {
    throw new AnymailConfigurationError(
      `SendGrid ${where} ${JSON.stringify(format)} has no '{}' placeholder for the field name. Use e.g. '-{}-' or ':{}'.`,
    );
  }
  return format;
}

/** The checked options → settings, with environment fallbacks (the kit merged the `configure()` block under them). */
export function sendGridSettings(options: SendGridBackendOptions): SendGridSettings {
  const apiKey = loadSetting<string>({ esp: ESP, name: 'apiKey', value: options.apiKey });
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new AnymailConfigurationError('SendGrid apiKey is empty. Pass a SendGrid API key (or set SENDGRID_API_KEY).');
  }
  const region = loadSetting<SendGridRegion>({
    esp: ESP,
    name: 'region',
    value: options.region,
    default: 'global',
    fromEnv: (raw) => {
      if (raw !== 'global' && raw !== 'eu') throw new Error("expected 'global' or 'eu'");
      return raw;
    },
  });
  if (region !== 'global' && region !== 'eu') {
    throw new AnymailConfigurationError(`SendGrid region must be 'global' or 'eu', not ${JSON.stringify(region)}.`);
  }
  const apiUrl = loadSetting<string>({
    esp: ESP,
    name: 'apiUrl',
    value: options.apiUrl,
    default: region === 'eu' ? SENDGRID_EU_API_URL : SENDGRID_API_URL,
  });
  try {
    new URL(apiUrl);
  } catch (error) {
    throw new AnymailConfigurationError(`SendGrid apiUrl ${JSON.stringify(apiUrl)} is not a URL.`, { cause: error });
  }
  const generateMessageId = loadSetting<boolean>({
    esp: ESP,
    name: 'generateMessageId',
    value: options.generateMessageId,
    default: true,
    fromEnv: parseBooleanSetting,
  });
  const mergeFieldFormat = checkMergeFieldFormat(
    loadSetting<string | undefined>({ esp: ESP, name: 'mergeFieldFormat', value: options.mergeFieldFormat, default: undefined }),
    'mergeFieldFormat',
  );
  const timeoutMs = loadSetting<number>({ esp: ESP, name: 'timeoutMs', value: options.timeoutMs, default: 30_000, fromEnv: parseTimeout });
  const headers = Object.freeze({ 'content-type': 'application/json', authorization: `Bearer ${apiKey}` });
  return { apiKey, apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`, generateMessageId, mergeFieldFormat, timeoutMs, headers };
}
