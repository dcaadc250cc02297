import {
  defineEspOptions,
  envMeta,
  loadSetting,
  type BaseEspBackendOptions,
  type OptionsMatchSchema, checkSettings, withTrailingSlash,
} from '@anymail/core/esp';
import { z } from 'zod';

/**
 * How a message with `mergeData` and more than one `to` recipient is sent (MailerSend has no
 * one-request way to send each `to` recipient a message that shows only their own address):
 * - `'use-bulk-email'`: one message per `to` recipient through `POST /v1/bulk-email`. MailerSend
 *   checks the messages later, so the status is `queued` with `messageId` `bulk:<bulk_email_id>`.
 * - `'expose-to-list'`: one message through `POST /v1/email` with a `personalization` entry per
 *   recipient; every recipient sees the whole To list.
 */
export type MailerSendBatchSendMode = 'use-bulk-email' | 'expose-to-list';
export const MAILERSEND_BATCH_SEND_MODES = ['use-bulk-email', 'expose-to-list'] as const;

/** Options of `MailerSendBackend` (plus everything `BaseEspBackendOptions` takes). */
export interface MailerSendBackendOptions extends BaseEspBackendOptions {
  /**
   * A MailerSend API token (Domains > API tokens; "custom access" with full access to Email is
   * enough), sent as `Authorization: Bearer`. Tokens belong to one sending domain: a message from
   * another domain can override it with `espExtra: { apiToken }`.
   * Env: `MAILERSEND_API_TOKEN` or `ANYMAIL_MAILERSEND_API_TOKEN`.
   * @see https://developers.mailersend.com/general.html#authentication
   */
  apiToken?: string;
  /**
   * The API base URL. @default 'https://api.mailersend.com/v1/'
   * Env: `MAILERSEND_API_URL` or `ANYMAIL_MAILERSEND_API_URL`.
   */
  apiUrl?: string;
  /**
   * How to send `mergeData` to several `to` recipients (see {@link MailerSendBatchSendMode}).
   * Unset, such a message is refused with an error that names both modes; a message may choose
   * with `espExtra: { batchSendMode }`.
   * Env: `MAILERSEND_BATCH_SEND_MODE` or `ANYMAIL_MAILERSEND_BATCH_SEND_MODE`.
   */
  batchSendMode?: MailerSendBatchSendMode;
  /**
   * Send `sendMessages([...])` of two or more messages through `POST /v1/bulk-email` (up to
   * {@link MAILERSEND_BULK_MAX_MESSAGES} per request) instead of one `POST /v1/email` each. Fewer
   * requests count against MailerSend's daily API quota, but MailerSend validates bulk messages
   * only later: every message comes back `queued` with `messageId` `bulk:<bulk_email_id>`, and
   * refused recipients show up only in `GET /v1/bulk-email/{id}` or the `bulk_email.completed`
   * webhook. Set `false` to send each message on its own and learn at once what MailerSend refuses.
   * @default true
   * Env: `MAILERSEND_BULK_SEND_MESSAGES` or `ANYMAIL_MAILERSEND_BULK_SEND_MESSAGES` ('true'/'false').
   */
  bulkSendMessages?: boolean;
}

/** MailerSend's documented cap on messages in one `POST /v1/bulk-email` request. */
export const MAILERSEND_BULK_MAX_MESSAGES = 500;

/** Every option MailerSendBackend takes, checked at run time (an unknown key names the closest valid one). */
export const mailerSendOptions = defineEspOptions('MailerSend', 'mailersend', {
  apiToken: z.string().optional().meta(envMeta('mailersend', 'apiToken')),
  apiUrl: z.string().optional().meta(envMeta('mailersend', 'apiUrl')),
  batchSendMode: z.enum(MAILERSEND_BATCH_SEND_MODES).optional().meta(envMeta('mailersend', 'batchSendMode')),
  bulkSendMessages: z.boolean().optional().meta(envMeta('mailersend', 'bulkSendMessages')),
});

// Compile-time: the interface above and the schema name the same options.
const sameKeys: OptionsMatchSchema<MailerSendBackendOptions, typeof mailerSendOptions> = true;
void sameKeys;

/** What the backend keeps of its options: looked up once, in the constructor. */
export interface MailerSendSettings {
  apiToken: string;
  /** Ends with '/'. */
  apiUrl: string;
  batchSendMode: MailerSendBatchSendMode | undefined;
  bulkSendMessages: boolean;
}

export const MAILERSEND_DEFAULT_API_URL = 'https://api.mailersend.com/v1/';
const ESP = 'mailersend';
const ESP_NAME = 'MailerSend';

function parseBoolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new Error("expected 'true' or 'false'");
}

function parseMode(raw: string): MailerSendBatchSendMode {
  const value = raw.trim();
  if ((MAILERSEND_BATCH_SEND_MODES as readonly string[]).includes(value)) return value as MailerSendBatchSendMode;
  throw new Error(`expected ${MAILERSEND_BATCH_SEND_MODES.map((mode) => `'${mode}'`).join(' or ')}`);
}

const resolvedSchema = z.object({
  apiToken: z.string().min(1, 'apiToken must not be empty'),
  apiUrl: z.url('apiUrl must be an absolute URL such as https://api.mailersend.com/v1/'),
  batchSendMode: z.enum(MAILERSEND_BATCH_SEND_MODES, "batchSendMode must be 'use-bulk-email' or 'expose-to-list'").optional(),
  bulkSendMessages: z.boolean('bulkSendMessages must be true or false'),
});

/** The checked options → settings: each value from the option, `configure()` or the environment; errors never show the token. */
export function mailerSendSettings(options: MailerSendBackendOptions): MailerSendSettings {
  const raw = {
    apiToken: loadSetting({ esp: ESP, name: 'apiToken', value: options.apiToken }),
    apiUrl: loadSetting({ esp: ESP, name: 'apiUrl', value: options.apiUrl, default: MAILERSEND_DEFAULT_API_URL }),
    batchSendMode: loadSetting<MailerSendBatchSendMode | undefined>({
      esp: ESP,
      name: 'batchSendMode',
      value: options.batchSendMode,
      default: undefined,
      fromEnv: parseMode,
    }),
    bulkSendMessages: loadSetting<boolean>({
      esp: ESP,
      name: 'bulkSendMessages',
      value: options.bulkSendMessages,
      default: true,
      fromEnv: parseBoolean,
    }),
  };
  const data = checkSettings('MailerSend', resolvedSchema, raw);
  const apiUrl = withTrailingSlash(data.apiUrl);
  return { ...data, batchSendMode: data.batchSendMode, apiUrl };
}
