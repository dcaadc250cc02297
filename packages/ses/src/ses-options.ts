import {
  AnymailConfigurationError,
  defineEspOptions,
  envMeta,
  loadSetting,
  type BaseEspBackendOptions,
  type OptionsMatchSchema,
} from '@anymail/core/esp';
import { z } from 'zod';
import { SesCredentialProvider, resolveRegion, type AwsCredentials, type AwsCredentialsProvider, type SesCredentialsOptions } from './ses-credentials.js';

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

/** The AWS settings looked up from the options: what SesBackend and the inbound webhook's S3 reads share. */
export interface SesAwsSettings {
  /** Region when known synchronously (option, configure(), env); else looked up in the profile's config when needed. */
  region: string | undefined;
  endpoint: string | undefined;
  configurationSetName: string | undefined;
  messageTagName: string | undefined;
  /** The credential chain's options (explicit keys or provider included). */
  chain: SesCredentialsOptions;
}

const CHAIN_KEYS = [
  'profile', 'env', 'homeDir', 'refreshBeforeExpiryMs', 'metadataTimeoutMs', 'imdsTokenTtlSeconds', 'containerRelativeOrigin', 'now',
] as const satisfies readonly (keyof SesCredentialsOptions)[];

const TAG_NAME = /^[A-Za-z0-9_-]{1,256}$/;

function optional(name: string, value: string | undefined, env: SesCredentialsOptions['env']): string | undefined {
  return loadSetting<string | undefined>({ esp: 'SES', name, value, default: undefined, env: env as NodeJS.ProcessEnv | undefined }) || undefined;
}

const configError = (message: string) => new AnymailConfigurationError(message, { espName: SES_ESP_NAME });

/** The checked options → AWS settings (option, `configure()`, env), each checked; errors never show a secret. */
export function sesAwsSettings(options: SesBackendOptions): SesAwsSettings {
  const env = options.env;
  const accessKeyId = optional('accessKeyId', options.accessKeyId, env);
  const secretAccessKey = optional('secretAccessKey', options.secretAccessKey, env);
  const sessionToken = optional('sessionToken', options.sessionToken, env);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw configError(
      'Amazon SES needs accessKeyId and secretAccessKey together: set both (options or SES_ACCESS_KEY_ID / SES_SECRET_ACCESS_KEY), or neither to use the AWS credential chain.',
    );
  }
  const chain: SesCredentialsOptions = {};
  for (const key of CHAIN_KEYS) if (options[key] !== undefined) (chain as Record<string, unknown>)[key] = options[key];
  if (options.credentials !== undefined) chain.credentials = options.credentials;
  else if (accessKeyId !== undefined && secretAccessKey !== undefined) chain.credentials = { accessKeyId, secretAccessKey, sessionToken };

  const processEnv = env ?? process.env;
  const region = optional('region', options.region, env) ?? (processEnv.AWS_REGION || processEnv.AWS_DEFAULT_REGION || undefined);
  const endpoint = optional('endpoint', options.endpoint, env);
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    throw configError(`The Amazon SES endpoint must be an absolute URL such as https://email.us-east-1.amazonaws.com (got "${endpoint}").`);
  }
  const messageTagName = optional('messageTagName', options.messageTagName, env);
  if (messageTagName !== undefined && !TAG_NAME.test(messageTagName)) {
    throw configError(`The Amazon SES messageTagName "${messageTagName}" may hold only ASCII letters, digits, '_' and '-' (at most 256).`);
  }
  return { region, endpoint, configurationSetName: optional('configurationSetName', options.configurationSetName, env), messageTagName, chain };
}

/** The API base URL for a region (or the endpoint override), ending with '/'. */
export function sesApiUrl(endpoint: string | undefined, region: string): string {
  const url = endpoint ?? `https://email.${region}.amazonaws.com`;
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * Where requests go: the region (given, or looked up once in the AWS profile's config at the
 * first send), the API base URL and the request URLs the signer needs, cached once known.
 */
export class SesRegion {
  #value: string | undefined;
  #lookup: Promise<string> | undefined;
  readonly #endpoint: string | undefined;
  readonly #chain: SesCredentialsOptions;
  #apiUrl: string | undefined;
  /** Request URLs by path (the backend posts to two paths). */
  readonly #urls = new Map<string, URL>();

  constructor(settings: Pick<SesAwsSettings, 'region' | 'endpoint' | 'chain'>) {
    this.#value = settings.region;
    this.#endpoint = settings.endpoint;
    this.#chain = settings.chain;
  }

  /** The region, when known (given, or looked up already). */
  get value(): string | undefined {
    return this.#value;
  }

  /** The region, looked up in the profile's config the first time; AnymailConfigurationError when there is none. */
  resolve(): Promise<string> {
    if (this.#value !== undefined) return Promise.resolve(this.#value);
    this.#lookup ??= resolveRegion({ ...this.#chain }).then((region) => {
      if (region === undefined) {
        this.#lookup = undefined;
        throw noRegion();
      }
      this.#value = region;
      return region;
    });
    return this.#lookup;
  }

  /** The API base URL (ends with '/'); AnymailConfigurationError while no region is known. */
  apiUrl(): string {
    if (this.#value === undefined) throw noRegion();
    return (this.#apiUrl ??= sesApiUrl(this.#endpoint, this.#value));
  }

  /** The absolute URL of a request path. */
  url(path: string): URL {
    let url = this.#urls.get(path);
    if (url === undefined) {
      url = new URL(path, this.apiUrl());
      if (this.#urls.size < 16) this.#urls.set(path, url);
    }
    return url;
  }
}

function noRegion(): AnymailConfigurationError {
  return configError(
    'No AWS region for Amazon SES. Pass region (e.g. "us-east-1"), set SES_REGION, AWS_REGION or AWS_DEFAULT_REGION, or give the AWS profile a region.',
  );
}

/** What SesBackend keeps of its options: looked up once, in the constructor. */
export interface SesSettings {
  region: SesRegion;
  /** Signing credentials: the explicit ones, a provider, or the AWS chain; cached until their refresh time. */
  credentials: SesCredentialProvider;
  /** Explicit secrets from the options, hidden from errors (the provider's are added once loaded). */
  givenSecrets: readonly string[];
  configurationSetName: string | undefined;
  messageTagName: string | undefined;
}

/** The checked options (`configure()` block merged under them) → settings. */
export function sesSettings(options: SesBackendOptions): SesSettings {
  const aws = sesAwsSettings(options);
  const given = aws.chain.credentials;
  const givenSecrets = given !== undefined && typeof given !== 'function' ? [given.secretAccessKey, given.sessionToken ?? ''] : [];
  return {
    region: new SesRegion(aws),
    credentials: new SesCredentialProvider(aws.chain),
    givenSecrets: givenSecrets.filter((secret) => secret !== ''),
    configurationSetName: aws.configurationSetName,
    messageTagName: aws.messageTagName,
  };
}
