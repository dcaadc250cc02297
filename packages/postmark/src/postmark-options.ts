import {
  defineEspOptions,
  envMeta,
  loadSetting,
  type BaseEspBackendOptions,
  type OptionsMatchSchema, checkSettings, withTrailingSlash,
} from '@anymail/core/esp';
import { z } from 'zod';

/** Options of `PostmarkBackend` (plus everything `BaseEspBackendOptions` takes). */
export interface PostmarkBackendOptions extends BaseEspBackendOptions {
  /**
   * The Postmark server API token, sent as `X-Postmark-Server-Token`. Use `POSTMARK_API_TEST`
   * to have Postmark validate requests without sending. A message may override it with
   * `espExtra: { serverToken }`.
   * Env: `POSTMARK_SERVER_TOKEN` or `ANYMAIL_POSTMARK_SERVER_TOKEN`.
   * @see https://postmarkapp.com/developer/api/overview#authentication
   */
  serverToken?: string;
  /**
   * The API base URL. @default 'https://api.postmarkapp.com/'
   * Env: `POSTMARK_API_URL` or `ANYMAIL_POSTMARK_API_URL`.
   */
  apiUrl?: string;
  /**
   * The message stream every message goes to unless its `espExtra.MessageStream` says otherwise.
   * Postmark's default is `outbound` (transactional); broadcast mail needs a broadcast stream.
   * Env: `POSTMARK_MESSAGE_STREAM` or `ANYMAIL_POSTMARK_MESSAGE_STREAM`.
   * @see https://postmarkapp.com/developer/user-guide/send-email-with-api/batch-emails
   */
  messageStream?: string;
}

/** Every option PostmarkBackend takes, checked at run time (an unknown key names the closest valid one). */
export const postmarkOptions = defineEspOptions('Postmark', 'postmark', {
  serverToken: z.string().optional().meta(envMeta('Postmark', 'serverToken')),
  apiUrl: z.string().optional().meta(envMeta('Postmark', 'apiUrl')),
  messageStream: z.string().optional().meta(envMeta('Postmark', 'messageStream')),
});

/** What the backend keeps of its options: looked up once, in the constructor. */
export interface PostmarkSettings {
  serverToken: string;
  /** Ends with '/'. */
  apiUrl: string;
  messageStream: string | undefined;
}

export const POSTMARK_DEFAULT_API_URL = 'https://api.postmarkapp.com/';

const settingsSchema = z.object({
  serverToken: z.string().min(1, 'serverToken must not be empty'),
  apiUrl: z.url('apiUrl must be an absolute URL such as https://api.postmarkapp.com/'),
  messageStream: z.string().min(1, 'messageStream must not be empty').optional(),
});

/** The checked options → settings: each value from the option, `configure()` or the environment; errors never show a token. */
export function postmarkSettings(options: PostmarkBackendOptions): PostmarkSettings {
  const raw = {
    serverToken: loadSetting({ esp: 'Postmark', name: 'serverToken', value: options.serverToken }),
    apiUrl: loadSetting({ esp: 'Postmark', name: 'apiUrl', value: options.apiUrl, default: POSTMARK_DEFAULT_API_URL }),
    messageStream: loadSetting<string | undefined>({ esp: 'Postmark', name: 'messageStream', value: options.messageStream, default: undefined }),
  };
  const data = checkSettings('Postmark', settingsSchema, raw);
  const apiUrl = withTrailingSlash(data.apiUrl);
  return { serverToken: data.serverToken, apiUrl, messageStream: data.messageStream };
}

// Compile-time: the interface above and the schema name the same options.
const sameKeys: OptionsMatchSchema<PostmarkBackendOptions, typeof postmarkOptions> = true;
void sameKeys;
