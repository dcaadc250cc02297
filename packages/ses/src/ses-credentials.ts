/**
 * The AWS credential chain without the AWS SDK: explicit options → environment → shared files
 * (~/.aws/credentials, ~/.aws/config) → container endpoint (ECS/EKS) → EC2 instance metadata (IMDSv2).
 * Temporary credentials are cached and refreshed before they expire. Secrets never reach messages or logs.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AnymailAPIError, AnymailConfigurationError } from '@anymail/core';
import type { AwsSigningCredentials } from './ses-sigv4.js';

const ESP_NAME = 'Amazon SES';

export interface AwsCredentials extends AwsSigningCredentials {
  /** When temporary credentials stop working; absent for long-term keys. */
  expiration?: Date | undefined;
}

/** Any function returning credentials, e.g. a provider from `@aws-sdk/credential-providers`. */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export interface SesCredentialsOptions {
  /** Credentials, or a function returning them. When set, the chain is skipped. */
  credentials?: AwsCredentials | AwsCredentialsProvider | undefined;
  /** Shared-file profile. @default env `AWS_PROFILE`, else `default` */
  profile?: string | undefined;
  /** Environment to read. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Home directory holding `.aws/`. @default os.homedir() */
  homeDir?: string;
  /** Refresh temporary credentials this long before they expire. @default 300000 (5 minutes) */
  refreshBeforeExpiryMs?: number;
  /** Timeout of each container or instance-metadata request. @default 1000 */
  metadataTimeoutMs?: number;
  /** Lifetime asked for IMDSv2 session tokens. @default 21600 */
  imdsTokenTtlSeconds?: number;
  /** Origin used with `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`. @default 'http://169.254.170.2' */
  containerRelativeOrigin?: string;
  /** Clock in ms since the epoch (tests move it). @default Date.now */
  now?: () => number;
}

type Section = Record<string, string>;

/** Resolves credentials once; prefer a long-lived `SesCredentialProvider` so temporary ones are cached. */
export function resolveCredentials(options: SesCredentialsOptions = {}): Promise<AwsCredentials> {
  return new SesCredentialProvider(options).getCredentials();
}

/** Region from the option, `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region` in the config file. */
export async function resolveRegion(options: SesCredentialsOptions & { region?: string | undefined } = {}): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const direct = options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (direct) return direct;
  const files = sharedFilePaths(options, env);
  return (await readIniFile(files.configPath))?.get(configSectionName(files.profile))?.region || undefined;
}

export class SesCredentialProvider {
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly now: () => number;
  private cached: { credentials: AwsCredentials; refreshAtMs: number } | undefined;
  private inflight: Promise<AwsCredentials> | undefined;
  private imdsToken: { value: string; expiresAtMs: number } | undefined;

  constructor(private readonly options: SesCredentialsOptions = {}) {
    this.env = options.env ?? process.env;
    this.now = options.now ?? Date.now;
  }

  /** The cached credentials while fresh, else undefined (then call `getCredentials`). */
  cachedCredentials(): AwsCredentials | undefined {
    const cached = this.cached;
    return cached !== undefined && this.now() < cached.refreshAtMs ? cached.credentials : undefined;
  }

  /** Cached credentials while fresh; concurrent callers share one refresh. */
  getCredentials(): Promise<AwsCredentials> {
    const now = this.now();
    if (this.cached !== undefined && now < this.cached.refreshAtMs) return Promise.resolve(this.cached.credentials);
    this.inflight ??= this.load()
      .then(
        (credentials) => {
          this.cached = { credentials, refreshAtMs: this.refreshAt(credentials) };
          return credentials;
        },
        (error: unknown) => {
          // A failed refresh keeps using credentials that have not expired yet.
          const previous = this.cached?.credentials;
          if (previous?.expiration === undefined || this.now() >= previous.expiration.getTime()) throw error;
          this.cached!.refreshAtMs = Math.min(previous.expiration.getTime(), this.now() + 30_000); // retry soon, not on every call
          return previous;
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private refreshAt(credentials: AwsCredentials): number {
    if (credentials.expiration === undefined) return Number.POSITIVE_INFINITY;
    const expiresAtMs = credentials.expiration.getTime();
    const refreshAtMs = expiresAtMs - (this.options.refreshBeforeExpiryMs ?? 300_000);
    // Already inside the window when fetched: reuse them briefly instead of fetching on every call.
    return refreshAtMs > this.now() ? refreshAtMs : Math.min(expiresAtMs, this.now() + 30_000);
  }

  private async load(): Promise<AwsCredentials> {
    const explicit = this.options.credentials;
    if (explicit !== undefined) {
      const credentials = typeof explicit === 'function' ? await explicit() : explicit;
      if (!credentials?.accessKeyId || !credentials.secretAccessKey) {
        throw new AnymailConfigurationError('The SES `credentials` option has an empty accessKeyId or secretAccessKey.', { espName: ESP_NAME });
      }
      return credentials;
    }
    const tried: string[] = [];
    const found =
      this.fromEnvironment(tried) ?? (await this.fromSharedFiles(tried)) ?? (await this.fromContainer(tried)) ?? (await this.fromInstanceMetadata(tried));
    if (found !== undefined) return found;
    throw new AnymailConfigurationError(
      `No AWS credentials found for Amazon SES. Tried: ${tried.join('; ')}. ` +
        'Pass accessKeyId and secretAccessKey, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile, container role or instance role.',
      { espName: ESP_NAME },
    );
  }

  private fromEnvironment(tried: string[]): AwsCredentials | undefined {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = this.env;
    if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey, sessionToken: this.env.AWS_SESSION_TOKEN || undefined };
    const missing = [accessKeyId ? '' : 'AWS_ACCESS_KEY_ID', secretAccessKey ? '' : 'AWS_SECRET_ACCESS_KEY'].filter(Boolean);
    tried.push(`environment (${missing.join(' and ')} not set)`);
    return undefined;
  }

  private async fromSharedFiles(tried: string[]): Promise<AwsCredentials | undefined> {
    const { profile, credentialsPath, configPath } = sharedFilePaths(this.options, this.env);
    const fromCredentials = (await readIniFile(credentialsPath))?.get(profile);
    const fromConfig = (await readIniFile(configPath))?.get(configSectionName(profile));
    const merged: Section = { ...fromConfig, ...fromCredentials }; // the credentials file wins, as in the AWS CLI
    if (merged.aws_access_key_id && merged.aws_secret_access_key) {
      return { accessKeyId: merged.aws_access_key_id, secretAccessKey: merged.aws_secret_access_key, sessionToken: merged.aws_session_token || undefined };
    }
    const unsupported = ['role_arn', 'credential_process', 'sso_session', 'sso_start_url', 'web_identity_token_file'].find((key) => merged[key]);
    if (unsupported !== undefined) {
      throw new AnymailConfigurationError(
        `AWS profile "${profile}" uses ${unsupported}, which @anymail/ses does not resolve by itself. ` +
          'Pass a credentials function (for example fromIni() from @aws-sdk/credential-providers) or give the profile static keys.',
        { espName: ESP_NAME },
      );
    }
    const state = fromCredentials || fromConfig ? 'has no aws_access_key_id/aws_secret_access_key' : 'not found';
    tried.push(`shared files (profile "${profile}" ${state} in ${credentialsPath} and ${configPath})`);
    return undefined;
  }

  private async fromContainer(tried: string[]): Promise<AwsCredentials | undefined> {
    const relative = this.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
    const full = this.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    if (!relative && !full) {
      tried.push('container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set)');
      return undefined;
    }
    const url = relative ? new URL(`${(this.options.containerRelativeOrigin ?? 'http://169.254.170.2').replace(/\/+$/, '')}${relative}`) : parseFullUri(full!);
    const tokenFile = this.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    const token = tokenFile ? (await readTextFile(tokenFile, 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'))!.trim() : this.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    if (token !== undefined && /[\r\n]/.test(token)) {
      throw new AnymailConfigurationError('The container authorization token contains a line break.', { espName: ESP_NAME });
    }
    const where = `container credentials endpoint ${url.origin}`;
    const response = await this.request(url, { headers: token ? { authorization: token } : {} }, where);
    if (response.status !== 200) {
      const ErrorClass = response.status >= 500 ? AnymailAPIError : AnymailConfigurationError;
      throw new ErrorClass(`The ${where} answered HTTP ${response.status}; check the task role and the authorization token.`, {
        espName: ESP_NAME,
        statusCode: response.status,
      });
    }
    return parseCredentialsJson(response.text, where);
  }

  private async fromInstanceMetadata(tried: string[]): Promise<AwsCredentials | undefined> {
    if (this.env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === 'true') {
      tried.push('EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)');
      return undefined;
    }
    const defaultEndpoint = this.env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE?.toLowerCase() === 'ipv6' ? 'http://[fd00:ec2::254]' : 'http://169.254.169.254';
    const endpoint = (this.env.AWS_EC2_METADATA_SERVICE_ENDPOINT || defaultEndpoint).replace(/\/+$/, '');
    try {
      const roles = await this.imdsGet(endpoint, '/latest/meta-data/iam/security-credentials/');
      const role = roles.split('\n')[0]!.trim();
      if (role === '') throw new Error('no IAM role is attached to the instance');
      const body = await this.imdsGet(endpoint, `/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`);
      return parseCredentialsJson(body, 'EC2 instance metadata');
    } catch (error) {
      tried.push(`EC2 instance metadata at ${endpoint} (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    }
  }

  /** GET with an IMDSv2 session token; a 401 means the token expired, so fetch a new one once. */
  private async imdsGet(endpoint: string, path: string): Promise<string> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.imdsSessionToken(endpoint);
      const response = await this.request(`${endpoint}${path}`, { headers: { 'x-aws-ec2-metadata-token': token } }, 'endpoint');
      if (response.status === 200) return response.text;
      if (response.status === 401 && attempt === 0) {
        this.imdsToken = undefined;
        continue;
      }
      throw new Error(response.status === 404 ? 'no IAM role credentials (HTTP 404)' : `HTTP ${response.status}`);
    }
  }

  private async imdsSessionToken(endpoint: string): Promise<string> {
    if (this.imdsToken !== undefined && this.now() < this.imdsToken.expiresAtMs) return this.imdsToken.value;
    const ttlSeconds = this.options.imdsTokenTtlSeconds ?? 21_600;
    const fetchedAtMs = this.now();
    const response = await this.request(
      `${endpoint}/latest/api/token`,
      { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttlSeconds) } },
      'endpoint',
    );
    if (response.status !== 200 || response.text === '') throw new Error(`token request answered HTTP ${response.status}`);
    const ttlMs = ttlSeconds * 1000;
    this.imdsToken = { value: response.text, expiresAtMs: fetchedAtMs + ttlMs - Math.min(60_000, ttlMs / 2) };
    return response.text;
  }

  private async request(url: string | URL, init: RequestInit, what: string): Promise<{ status: number; text: string }> {
    const timeoutMs = this.options.metadataTimeoutMs ?? 1000;
    try {
      const response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      const code = (error as { cause?: { code?: string } }).cause?.code;
      const reason = timedOut ? `timed out after ${timeoutMs} ms` : `unreachable${code ? ` (${code})` : ''}`;
      throw new AnymailAPIError(`The ${what} ${reason}.`, { espName: ESP_NAME, category: timedOut ? 'timeout' : 'network', cause: error });
    }
  }
}

function sharedFilePaths(options: SesCredentialsOptions, env: Readonly<Record<string, string | undefined>>) {
  const home = options.homeDir ?? env.HOME ?? homedir();
  const expand = (path: string) => (path.startsWith('~/') ? join(home, path.slice(2)) : path);
  return {
    profile: options.profile || env.AWS_PROFILE || 'default',
    credentialsPath: expand(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials')),
    configPath: expand(env.AWS_CONFIG_FILE || join(home, '.aws', 'config')),
  };
}

/** `~/.aws/config` names profiles `[profile x]`, except `[default]`. */
function configSectionName(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

async function readIniFile(path: string): Promise<Map<string, Section> | undefined> {
  const text = await readTextFile(path, 'the AWS shared file', true);
  return text === undefined ? undefined : parseIni(text);
}

/** A missing optional file is undefined; any other read failure is a configuration error naming the file. */
async function readTextFile(path: string, what: string, optional = false): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AnymailConfigurationError(`Could not read ${what} ${path}: ${(error as Error).message}`, { espName: ESP_NAME, cause: error });
  }
}

/** The INI dialect of the AWS CLI: `[section]`, `key = value`, `#`/`;` comments; indented sub-settings ignored. */
export function parseIni(text: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: Section | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      const name = line.slice(1, -1).trim().replace(/\s+/g, ' ');
      current = sections.get(name) ?? {};
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || /^\s/.test(rawLine) || eq <= 0) continue;
    current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).replace(/\s[#;].*$/, '').trim();
  }
  return sections;
}

function parseFullUri(value: string): URL {
  if (!URL.canParse(value)) throw new AnymailConfigurationError('AWS_CONTAINER_CREDENTIALS_FULL_URI is not a valid URL.', { espName: ESP_NAME });
  const url = new URL(value);
  // Plain HTTP only to the hosts AWS documents for container credentials, so a token never leaves the machine.
  const host = url.hostname;
  const allowedHttpHost = /^127\.\d+\.\d+\.\d+$/.test(host) || ['localhost', '[::1]', '169.254.170.2', '169.254.170.23', '[fd00:ec2::23]'].includes(host);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && allowedHttpHost)) return url;
  throw new AnymailConfigurationError(
    `AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or container-metadata address (got ${url.protocol}//${host}).`,
    { espName: ESP_NAME },
  );
}

function parseCredentialsJson(text: string, where: string): AwsCredentials {
  let json: { Code?: unknown; AccessKeyId?: unknown; SecretAccessKey?: unknown; Token?: unknown; Expiration?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (error) {
    throw new AnymailAPIError(`The ${where} did not return JSON.`, { espName: ESP_NAME, cause: error });
  }
  const expiration = typeof json.Expiration === 'string' ? new Date(json.Expiration) : undefined;
  if (
    (json.Code !== undefined && json.Code !== 'Success') ||
    typeof json.AccessKeyId !== 'string' ||
    typeof json.SecretAccessKey !== 'string' ||
    (expiration !== undefined && Number.isNaN(expiration.getTime()))
  ) {
    const code = typeof json.Code === 'string' ? ` (Code ${json.Code})` : '';
    throw new AnymailAPIError(`The ${where} returned no usable credentials${code}.`, { espName: ESP_NAME });
  }
  const sessionToken = typeof json.Token === 'string' ? json.Token : undefined;
  return { accessKeyId: json.AccessKeyId, secretAccessKey: json.SecretAccessKey, sessionToken, expiration };
}
