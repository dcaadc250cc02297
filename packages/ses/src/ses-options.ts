import {
  AnymailConfigurationError,
  defineEspOptions,
  envMeta,
  loadSetting,
  resolveEspOptions,
  type BaseEspBackendOptions,
  type OptionsMatchSchema,
} from '@anymail/core';
import { z } from 'zod';
import type { AwsCredentials, AwsCredentialsProvider, SesCredentialsOptions } from './ses-credentials.js';

export const SES_ESP_NAME = 'Amazon SES';

/** Options of `SesBackend` (plus everything `BaseEspBackendOptions` takes). */
export interface SesBackendOptions extends BaseEspBackendOptions, Omit<SesCredentialsOptions, 'credentials'> {
  /** AWS access key id. Env: `SES_ACCESS_KEY_ID`, `ANYMAIL_SES_ACCESS_KEY_ID`, then the AWS chain (`AWS_ACCESS_KEY_ID`, …). */
  accessKeyId?: string;
  /** AWS secret access key. Env: `SES_SECRET_ACCESS_KEY`, `ANYMAIL_SES_SECRET_ACCESS_KEY`, then the AWS chain. */
  secretAccessKey?: string;
  /** Session token of temporary credentials (with accessKeyId and secretAccessKey). */
  sessionToken?: string;
  /** Credentials or a provider function; replaces the credential chain. */
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** AWS region, e.g. 'eu-west-1'. Env: `SES_REGION`, `ANYMAIL_SES_REGION`, `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region`. */
  region?: string;
  /** SES API endpoint (local emulators, VPC endpoints). @default `https://email.<region>.amazonaws.com` */
  endpoint?: string;
  /** Configuration set every message uses (needed for event publishing, opens and clicks). */
  configurationSetName?: string;
  /** Also send the message's tag as the SES message tag of this name (`EmailTags`); one tag per message then. */
  messageTagName?: string;
}

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', { message: 'expected a function' });

/** Every option SesBackend takes, checked at run time (an unknown key names the closest valid one). */
export const sesOptions = defineEspOptions(SES_ESP_NAME, 'ses', {
  accessKeyId: z.string().optional().meta(envMeta('SES', 'accessKeyId', ['AWS_ACCESS_KEY_ID'])),
  secretAccessKey: z.string().optional().meta(envMeta('SES', 'secretAccessKey', ['AWS_SECRET_ACCESS_KEY'])),
  sessionToken: z.string().optional().meta(envMeta('SES', 'sessionToken', ['AWS_SESSION_TOKEN'])),
  credentials: z.union([z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }).loose(), fn]).optional(),
  region: z.string().optional().meta(envMeta('SES', 'region', ['AWS_REGION', 'AWS_DEFAULT_REGION'])),
  endpoint: z.string().optional().meta(envMeta('SES', 'endpoint')),
  configurationSetName: z.string().optional().meta(envMeta('SES', 'configurationSetName')),
  messageTagName: z.string().optional().meta(envMeta('SES', 'messageTagName')),
  profile: z.string().optional().meta({ env: ['AWS_PROFILE'] }),
  env: z.record(z.string(), z.union([z.string(), z.undefined()])).optional(),
  homeDir: z.string().optional(),
  refreshBeforeExpiryMs: z.number().nonnegative().optional(),
  metadataTimeoutMs: z.number().positive().optional(),
  imdsTokenTtlSeconds: z.number().int().positive().optional(),
  containerRelativeOrigin: z.string().optional(),
  now: fn.optional(),
});

// Compile-time: the interface above and the schema name the same options.
const sameKeys: OptionsMatchSchema<SesBackendOptions, typeof sesOptions> = true;
void sameKeys;

/** The settings as the backend uses them, looked up in the constructor. */
export interface ResolvedSesOptions {
  /** The shared ESP options, with the `configure({ anymail: { ses } })` block under them. */
  base: BaseEspBackendOptions;
  /** Region when known synchronously (option, configure(), env); else resolved at the first send. */
  region: string | undefined;
  endpoint: string | undefined;
  configurationSetName: string | undefined;
  messageTagName: string | undefined;
  credentials: SesCredentialsOptions;
}

const CHAIN_KEYS = [
  'profile', 'env', 'homeDir', 'refreshBeforeExpiryMs', 'metadataTimeoutMs', 'imdsTokenTtlSeconds', 'containerRelativeOrigin', 'now',
] as const satisfies readonly (keyof SesCredentialsOptions)[];

const TAG_NAME = /^[A-Za-z0-9_-]{1,256}$/;

function optional(name: string, value: string | undefined, env: SesCredentialsOptions['env']): string | undefined {
  return loadSetting<string | undefined>({ esp: 'SES', name, value, default: undefined, env: env as NodeJS.ProcessEnv | undefined }) || undefined;
}

/** Look every setting up (option, `configure()`, env) and check it; errors never show a secret. */
export function resolveSesOptions(given: SesBackendOptions): ResolvedSesOptions {
  const options = resolveEspOptions(sesOptions, given) as SesBackendOptions;
  const env = options.env;
  const accessKeyId = optional('accessKeyId', options.accessKeyId, env);
  const secretAccessKey = optional('secretAccessKey', options.secretAccessKey, env);
  const sessionToken = optional('sessionToken', options.sessionToken, env);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new AnymailConfigurationError(
      'Amazon SES needs accessKeyId and secretAccessKey together: set both (options or SES_ACCESS_KEY_ID / SES_SECRET_ACCESS_KEY), or neither to use the AWS credential chain.',
      { espName: SES_ESP_NAME },
    );
  }
  const credentials: SesCredentialsOptions = {};
  for (const key of CHAIN_KEYS) if (options[key] !== undefined) (credentials as Record<string, unknown>)[key] = options[key];
  if (options.credentials !== undefined) credentials.credentials = options.credentials;
  else if (accessKeyId !== undefined && secretAccessKey !== undefined) credentials.credentials = { accessKeyId, secretAccessKey, sessionToken };

  const processEnv = env ?? process.env;
  const region = optional('region', options.region, env) ?? (processEnv.AWS_REGION || processEnv.AWS_DEFAULT_REGION || undefined);
  const endpoint = optional('endpoint', options.endpoint, env);
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    throw new AnymailConfigurationError(`The Amazon SES endpoint must be an absolute URL such as https://email.us-east-1.amazonaws.com (got "${endpoint}").`, {
      espName: SES_ESP_NAME,
    });
  }
  const messageTagName = optional('messageTagName', options.messageTagName, env);
  if (messageTagName !== undefined && !TAG_NAME.test(messageTagName)) {
    throw new AnymailConfigurationError(`The Amazon SES messageTagName "${messageTagName}" may hold only ASCII letters, digits, '_' and '-' (at most 256).`, {
      espName: SES_ESP_NAME,
    });
  }
  return {
    base: options,
    region,
    endpoint,
    configurationSetName: optional('configurationSetName', options.configurationSetName, env),
    messageTagName,
    credentials,
  };
}

/** The API base URL for a region (or the endpoint override), ending with '/'. */
export function sesApiUrl(endpoint: string | undefined, region: string): string {
  const url = endpoint ?? `https://email.${region}.amazonaws.com`;
  return url.endsWith('/') ? url : `${url}/`;
}
