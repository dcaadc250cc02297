import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnymailAPIError, AnymailConfigurationError } from '@anymail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseIni, resolveCredentials, resolveRegion, SesCredentialProvider, type SesCredentialsOptions } from '../src/ses-credentials.js';

let home: string;
const servers: Server[] = [];
const clock = { ms: Date.parse('2026-11-21T02:00:00Z') };
const now = () => clock.ms;
const noImds = { AWS_EC2_METADATA_DISABLED: 'true' };

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'anymail-ses-credentials-'));
  clock.ms = Date.parse('2026-11-21T02:00:00Z');
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await rm(home, { recursive: true, force: true });
});

async function listen(handler: (request: IncomingMessage) => { status?: number; body?: string }): Promise<string> {
  const server = createServer((request, response) => {
    const { status = 200, body = '' } = handler(request);
    response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function writeAwsFile(name: string, text: string): Promise<string> {
  await mkdir(join(home, '.aws'), { recursive: true });
  const path = join(home, '.aws', name);
  await writeFile(path, text);
  return path;
}

function resolve(env: Record<string, string>, options: SesCredentialsOptions = {}) {
  return resolveCredentials({ env, homeDir: home, now, ...options });
}

const credentialsJson = (id: string, expiresInMs = 3_600_000) =>
  JSON.stringify({ AccessKeyId: id, SecretAccessKey: 'remote-secret', Token: 'remote-token', Expiration: new Date(clock.ms + expiresInMs).toISOString() });

describe('explicit options and environment', () => {
  it('reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN', async () => {
    const env = { ...noImds, AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' };
    expect(await resolve(env)).toEqual({ accessKeyId: 'AKIAENV', secretAccessKey: 'env-secret', sessionToken: 'env-token' });
  });

  it('prefers explicit credentials, and caches a provider function until near expiry', async () => {
    let calls = 0;
    const provider = new SesCredentialProvider({
      env: { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'env-secret' },
      now,
      credentials: async () => ({ accessKeyId: `AKIAFN${++calls}`, secretAccessKey: 's', expiration: new Date(clock.ms + 3_600_000) }),
    });
    expect((await provider.getCredentials()).accessKeyId).toBe('AKIAFN1');
    clock.ms += 54 * 60_000;
    expect((await provider.getCredentials()).accessKeyId).toBe('AKIAFN1');
    clock.ms += 2 * 60_000; // now 4 minutes before expiry
    expect((await provider.getCredentials()).accessKeyId).toBe('AKIAFN2');
  });

  it('rejects explicit credentials with an empty secret', async () => {
    await expect(resolve(noImds, { credentials: { accessKeyId: 'AKIA', secretAccessKey: '' } })).rejects.toThrow(AnymailConfigurationError);
  });

  it('names every source tried, and no secret, when nothing is configured', async () => {
    const error = await resolve({ AWS_SECRET_ACCESS_KEY: 'half-configured-secret', AWS_EC2_METADATA_SERVICE_ENDPOINT: await closedPortUrl() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain('environment (AWS_ACCESS_KEY_ID not set)');
    expect(message).toContain(`profile "default" not found in ${join(home, '.aws', 'credentials')}`);
    expect(message).toContain('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set');
    expect(message).toMatch(/EC2 instance metadata at http:\/\/127\.0\.0\.1:\d+ \(.*unreachable \(ECONNREFUSED\)/);
    expect(message).not.toContain('half-configured-secret');
  });
});

describe('shared credentials and config files', () => {
  const credentialsFile = [
    '# comment',
    '[default]',
    'aws_access_key_id = AKIADEFAULT',
    'aws_secret_access_key = default/secret+key ; inline comment',
    '',
    '[work]',
    'aws_access_key_id=AKIAWORK',
    'aws_secret_access_key=work-secret',
    'aws_session_token=work-token',
    's3 =',
    '  max_concurrent_requests = 20',
  ].join('\r\n');

  it('reads the default profile from ~/.aws/credentials', async () => {
    await writeAwsFile('credentials', credentialsFile);
    expect(await resolve(noImds)).toEqual({ accessKeyId: 'AKIADEFAULT', secretAccessKey: 'default/secret+key', sessionToken: undefined });
  });

  it('reads the profile named by AWS_PROFILE, and the profile option over it', async () => {
    await writeAwsFile('credentials', credentialsFile);
    expect(await resolve({ ...noImds, AWS_PROFILE: 'work' })).toMatchObject({ accessKeyId: 'AKIAWORK', sessionToken: 'work-token' });
    expect(await resolve({ ...noImds, AWS_PROFILE: 'work' }, { profile: 'default' })).toMatchObject({ accessKeyId: 'AKIADEFAULT' });
  });

  it('reads [profile x] sections from the config file; the credentials file wins per key', async () => {
    await writeAwsFile('config', '[profile cfg]\nregion = eu-central-1\naws_access_key_id = AKIACONFIG\naws_secret_access_key = config-secret\n');
    expect(await resolve({ ...noImds, AWS_PROFILE: 'cfg' })).toMatchObject({ accessKeyId: 'AKIACONFIG', secretAccessKey: 'config-secret' });
    await writeAwsFile('credentials', '[cfg]\naws_secret_access_key = credentials-secret\n');
    expect(await resolve({ ...noImds, AWS_PROFILE: 'cfg' })).toMatchObject({ accessKeyId: 'AKIACONFIG', secretAccessKey: 'credentials-secret' });
  });

  it('honours AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE', async () => {
    const elsewhere = join(home, 'elsewhere.ini');
    await writeFile(elsewhere, '[default]\naws_access_key_id = AKIAELSEWHERE\naws_secret_access_key = s\n');
    expect(await resolve({ ...noImds, AWS_SHARED_CREDENTIALS_FILE: elsewhere })).toMatchObject({ accessKeyId: 'AKIAELSEWHERE' });
    await writeFile(elsewhere, '[profile p]\naws_access_key_id = AKIACFGFILE\naws_secret_access_key = s\n');
    expect(await resolve({ ...noImds, AWS_CONFIG_FILE: elsewhere, AWS_PROFILE: 'p' })).toMatchObject({ accessKeyId: 'AKIACFGFILE' });
  });

  it('lets environment keys win over the files', async () => {
    await writeAwsFile('credentials', credentialsFile);
    expect(await resolve({ ...noImds, AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'e' })).toMatchObject({ accessKeyId: 'AKIAENV' });
  });

  it('refuses profiles that need STS or SSO, naming the setting', async () => {
    await writeAwsFile('config', '[profile assume]\nrole_arn = arn:aws:iam::123456789012:role/ses\nsource_profile = default\n');
    await expect(resolve({ ...noImds, AWS_PROFILE: 'assume' })).rejects.toThrow(/profile "assume" uses role_arn/);
  });

  it('parses sections, comments and indented sub-settings', () => {
    const sections = parseIni(credentialsFile);
    expect([...sections.keys()]).toEqual(['default', 'work']);
    expect(sections.get('work')).toEqual({ aws_access_key_id: 'AKIAWORK', aws_secret_access_key: 'work-secret', aws_session_token: 'work-token', s3: '' });
  });

  it('resolves the region from the option, AWS_REGION, AWS_DEFAULT_REGION, then the profile', async () => {
    await writeAwsFile('config', '[default]\nregion = us-west-2\n[profile eu]\nregion = eu-west-1\n');
    const base = { homeDir: home };
    expect(await resolveRegion({ ...base, region: 'ap-south-1', env: { AWS_REGION: 'us-east-2' } })).toBe('ap-south-1');
    expect(await resolveRegion({ ...base, env: { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'sa-east-1' } })).toBe('us-east-2');
    expect(await resolveRegion({ ...base, env: { AWS_DEFAULT_REGION: 'sa-east-1' } })).toBe('sa-east-1');
    expect(await resolveRegion({ ...base, env: {} })).toBe('us-west-2');
    expect(await resolveRegion({ ...base, env: { AWS_PROFILE: 'eu' } })).toBe('eu-west-1');
    expect(await resolveRegion({ homeDir: join(home, 'nowhere'), env: {} })).toBeUndefined();
  });
});

describe('container credentials endpoint', () => {
  it('fetches AWS_CONTAINER_CREDENTIALS_RELATIVE_URI from the container origin', async () => {
    const paths: string[] = [];
    const origin = await listen((request) => (paths.push(request.url!), { body: credentialsJson('ASIARELATIVE') }));
    const credentials = await resolve({ ...noImds, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc-123' }, { containerRelativeOrigin: origin });
    expect(paths).toEqual(['/v2/credentials/abc-123']);
    expect(credentials).toEqual({
      accessKeyId: 'ASIARELATIVE',
      secretAccessKey: 'remote-secret',
      sessionToken: 'remote-token',
      expiration: new Date(clock.ms + 3_600_000),
    });
  });

  it('sends AWS_CONTAINER_AUTHORIZATION_TOKEN to AWS_CONTAINER_CREDENTIALS_FULL_URI and checks it', async () => {
    const origin = await listen((request) =>
      request.headers.authorization === 'pod-identity-token' ? { body: credentialsJson('ASIAFULL') } : { status: 401, body: 'no' },
    );
    const env = { ...noImds, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${origin}/v1/credentials` };
    expect(await resolve({ ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'pod-identity-token' })).toMatchObject({ accessKeyId: 'ASIAFULL' });
    const error = await resolve({ ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'wrong-token' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    expect((error as AnymailConfigurationError).statusCode).toBe(401);
    expect((error as Error).message).not.toContain('wrong-token');
  });

  it('reads the token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE before the variable', async () => {
    const origin = await listen((request) => (request.headers.authorization === 'from-file' ? { body: credentialsJson('ASIAFILE') } : { status: 403 }));
    const tokenFile = join(home, 'token');
    await writeFile(tokenFile, 'from-file\n');
    const env = { ...noImds, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${origin}/`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile };
    expect(await resolve({ ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'from-env' })).toMatchObject({ accessKeyId: 'ASIAFILE' });
  });

  it('refuses plain HTTP to a host that is not loopback or container metadata', async () => {
    await expect(resolve({ ...noImds, AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://example.com/creds' })).rejects.toThrow(/must be https/);
  });

  it('reports a failing endpoint as a retryable API error', async () => {
    const origin = await listen(() => ({ status: 503 }));
    const error = await resolve({ ...noImds, AWS_CONTAINER_CREDENTIALS_FULL_URI: origin }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect((error as AnymailAPIError).retryable).toBe(true);
  });
});

describe('EC2 instance metadata (IMDSv2)', () => {
  async function startImds() {
    const state = { tokens: new Set<string>(), ttls: [] as string[], credentialGets: 0, failCredentials: false };
    const endpoint = await listen((request) => {
      if (request.method === 'PUT' && request.url === '/latest/api/token') {
        const ttl = request.headers['x-aws-ec2-metadata-token-ttl-seconds'];
        if (typeof ttl !== 'string') return { status: 400 };
        state.ttls.push(ttl);
        const token = `token-${state.ttls.length}`;
        state.tokens.add(token);
        return { body: token };
      }
      const token = request.headers['x-aws-ec2-metadata-token'];
      if (request.method !== 'GET' || typeof token !== 'string' || !state.tokens.has(token)) return { status: 401 };
      if (request.url === '/latest/meta-data/iam/security-credentials/') return { body: 'ses-sender' };
      if (request.url !== '/latest/meta-data/iam/security-credentials/ses-sender') return { status: 404 };
      state.credentialGets += 1;
      if (state.failCredentials) return { status: 500 };
      return { body: credentialsJson(`ASIAIMDS${state.credentialGets}`).replace('{', '{"Code":"Success","Type":"AWS-HMAC",') };
    });
    const provider = (options: SesCredentialsOptions = {}) =>
      new SesCredentialProvider({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint }, homeDir: home, now, ...options });
    return { state, endpoint, provider };
  }

  it('gets a session token with a TTL, then the role and its credentials', async () => {
    const { state, provider } = await startImds();
    expect(await provider().getCredentials()).toMatchObject({ accessKeyId: 'ASIAIMDS1', sessionToken: 'remote-token' });
    expect(state.ttls).toEqual(['21600']);
  });

  it('refreshes credentials that expire within 5 minutes, reusing a valid token', async () => {
    const { state, provider } = await startImds();
    const imds = provider();
    await imds.getCredentials();
    clock.ms += 50 * 60_000;
    expect((await imds.getCredentials()).accessKeyId).toBe('ASIAIMDS1');
    clock.ms += 6 * 60_000;
    expect((await imds.getCredentials()).accessKeyId).toBe('ASIAIMDS2');
    expect(state.ttls).toHaveLength(1);
  });

  it('fetches a new token when the old one has expired', async () => {
    const { state, provider } = await startImds();
    const imds = provider({ imdsTokenTtlSeconds: 600 });
    await imds.getCredentials();
    clock.ms += 56 * 60_000;
    expect((await imds.getCredentials()).accessKeyId).toBe('ASIAIMDS2');
    expect(state.ttls).toEqual(['600', '600']);
  });

  it('fetches a new token once when the service rejects the cached one', async () => {
    const { state, provider } = await startImds();
    const imds = provider();
    await imds.getCredentials();
    state.tokens.clear();
    clock.ms += 56 * 60_000;
    expect((await imds.getCredentials()).accessKeyId).toBe('ASIAIMDS2');
    expect(state.ttls).toHaveLength(2);
  });

  it('shares one refresh between concurrent callers', async () => {
    const { state, provider } = await startImds();
    const imds = provider();
    const results = await Promise.all(Array.from({ length: 5 }, () => imds.getCredentials()));
    expect(new Set(results.map((c) => c.accessKeyId))).toEqual(new Set(['ASIAIMDS1']));
    expect(state.credentialGets).toBe(1);
    expect(state.ttls).toHaveLength(1);
  });

  it('keeps unexpired credentials when a refresh fails, and fails once they expire', async () => {
    const { state, provider } = await startImds();
    const imds = provider();
    await imds.getCredentials();
    state.failCredentials = true;
    clock.ms += 57 * 60_000;
    expect((await imds.getCredentials()).accessKeyId).toBe('ASIAIMDS1');
    const attempts = state.credentialGets;
    clock.ms += 10_000;
    expect((await imds.getCredentials()).accessKeyId).toBe('ASIAIMDS1');
    expect(state.credentialGets).toBe(attempts); // backs off instead of asking on every call
    clock.ms += 4 * 60_000;
    await expect(imds.getCredentials()).rejects.toThrow(/EC2 instance metadata at .*HTTP 500/);
  });

  it('is skipped when AWS_EC2_METADATA_DISABLED=true', async () => {
    const { state, endpoint } = await startImds();
    const error = await resolve({ AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint, AWS_EC2_METADATA_DISABLED: 'true' }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)');
    expect(state.ttls).toHaveLength(0);
  });

  it('times out after metadataTimeoutMs when the service never answers', async () => {
    const server = createServer(() => {}); // accepts and never answers
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const error = await resolve({ AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint }, { metadataTimeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailConfigurationError);
    expect((error as Error).message).toContain('timed out after 100 ms');
  });
});
