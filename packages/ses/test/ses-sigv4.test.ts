import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  deriveSigningKeyHex,
  formatAmzDate,
  signRequest,
  signingKeyCacheSize,
  type AwsSigningCredentials,
  type SignRequestInput,
} from '../src/ses-sigv4.js';

const keys: AwsSigningCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const temporary: AwsSigningCredentials = {
  accessKeyId: 'ASIAEXAMPLETEMPORARY',
  secretAccessKey: 'tempSecret/with+chars=',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJH+token==',
};
const sendEmailBody = JSON.stringify({
  FromEmailAddress: 'Sender <sender@example.com>',
  Destination: { ToAddresses: ['to@example.com'], CcAddresses: ['cc@example.com'] },
  Content: { Simple: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Hi there' }, Html: { Data: '<p>Hi</p>' } } } },
});
const unicodeBody = JSON.stringify({
  Content: { Simple: { Subject: { Data: 'Grüße aus Köln — 你好 🎉' }, Body: { Text: { Data: 'naïve café ✓ \u2028' } } } },
});
const binaryBody = Uint8Array.from({ length: 256 }, (_, i) => i);
const jsonHeaders = { 'Content-Type': 'application/json' };

interface Case {
  name: string;
  input: SignRequestInput;
  /** The query as @smithy/protocol-http models it (decoded values). */
  query?: Record<string, string | string[]>;
  /** Headers as the AWS signer sees them when ours were given as arrays. */
  oracleHeaders?: Record<string, string>;
}

const base = {
  method: 'POST',
  url: 'https://email.us-east-1.amazonaws.com/v2/email/outbound-emails',
  region: 'us-east-1',
  service: 'ses',
  credentials: keys,
  date: new Date('2026-11-21T02:30:00Z'),
} satisfies SignRequestInput;

const cases: Case[] = [
  { name: 'SendEmail with a JSON body', input: { ...base, headers: jsonHeaders, body: sendEmailBody } },
  { name: 'temporary credentials add the security token', input: { ...base, credentials: temporary, headers: jsonHeaders, body: sendEmailBody } },
  {
    name: 'non-ASCII JSON body (UTF-8 bytes hashed)',
    input: { ...base, url: 'https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails', region: 'eu-west-1', headers: jsonHeaders, body: unicodeBody },
  },
  { name: 'binary body', input: { ...base, headers: { 'content-type': 'application/octet-stream' }, body: binaryBody } },
  { name: 'empty string body', input: { ...base, body: '' } },
  { name: 'GET with no body', input: { ...base, method: 'GET', url: 'https://email.us-east-1.amazonaws.com/v2/email/account' } },
  {
    name: 'SendBulkEmail in another region and day',
    input: {
      ...base,
      url: 'https://email.ap-southeast-2.amazonaws.com/v2/email/outbound-bulk-emails',
      region: 'ap-southeast-2',
      date: new Date('2024-02-29T23:59:59.999Z'),
      headers: jsonHeaders,
      body: '{"BulkEmailEntries":[]}',
    },
  },
  {
    name: 'percent-encoded path segments are encoded again',
    input: { ...base, method: 'GET', url: 'https://email.us-east-1.amazonaws.com/v2/email/templates/My%20Templat%C3%A9%2Fx' },
  },
  {
    name: 'reserved characters in the path',
    input: { ...base, method: 'DELETE', url: "https://email.us-east-1.amazonaws.com/v2/email/identities/a!b*c'(d)~e_f.g-h@example.com" },
  },
  {
    name: 'empty path segments and a trailing slash',
    input: { ...base, method: 'GET', url: 'https://email.us-east-1.amazonaws.com/v2//email/templates/' },
  },
  {
    name: 'query strings are decoded, re-encoded and sorted',
    input: {
      ...base,
      method: 'GET',
      url: 'https://email.us-east-1.amazonaws.com/v2/email/templates?PageSize=10&NextToken=abc%2Fdef%3D%3D&b=%C3%BC%20x&a=~*',
    },
    query: { PageSize: '10', NextToken: 'abc/def==', b: 'ü x', a: '~*' },
  },
  {
    name: 'repeated query names sort by value; an empty value stays',
    input: { ...base, method: 'GET', url: 'https://email.us-east-1.amazonaws.com/v2/email/suppression/addresses?Reason=c&Reason=a&Reason=B&Empty=' },
    query: { Reason: ['c', 'a', 'B'], Empty: '' },
  },
  {
    name: 'header names are lower-cased, values trimmed and folded; hop-by-hop headers are not signed',
    input: {
      ...base,
      headers: {
        'Content-Type': '  application/json ',
        'X-Custom': 'a   b\t\tc',
        'User-Agent': 'anymail/1.0',
        Connection: 'keep-alive',
        'X-Amzn-Trace-Id': 'Root=1-abc',
        'Content-Length': String(Buffer.byteLength(sendEmailBody)),
      },
      body: sendEmailBody,
    },
  },
  {
    name: 'a header given as a list is signed comma-joined',
    input: { ...base, headers: { 'X-Multi': ['one', 'two'] }, body: '{}' },
    oracleHeaders: { 'X-Multi': 'one,two' },
  },
  {
    name: 'an endpoint with a port signs host:port',
    input: { ...base, url: 'http://127.0.0.1:8005/v2/email/outbound-emails', headers: jsonHeaders, body: sendEmailBody },
  },
  {
    name: 'x-amz-content-sha256 can be left out',
    input: { ...base, headers: jsonHeaders, body: sendEmailBody, contentSha256Header: false },
  },
  {
    name: 'a caller-supplied payload hash is signed as given',
    input: { ...base, headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' }, body: sendEmailBody },
  },
];

async function awsSignature(testCase: Case): Promise<Record<string, string>> {
  const { input } = testCase;
  const url = new URL(input.url);
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: input.service,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: input.contentSha256Header !== false,
  });
  const headers: Record<string, string> = { host: url.host };
  for (const [name, value] of Object.entries(testCase.oracleHeaders ?? input.headers ?? {})) {
    if (typeof value === 'string') headers[name] = value;
  }
  const request = new HttpRequest({
    method: input.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: testCase.query ?? {},
    headers,
    body: input.body,
  });
  const signed = await signer.sign(request, { signingDate: input.date! });
  return signed.headers;
}

describe('signRequest matches the AWS SDK signer (@smithy/signature-v4)', () => {
  it.each(cases)('$name', async (testCase) => {
    const ours = signRequest(testCase.input);
    const aws = await awsSignature(testCase);
    expect(ours.authorization).toBe(aws.authorization);
    expect(ours['x-amz-date']).toBe(aws['x-amz-date']);
    expect(ours['x-amz-security-token']).toBe(aws['x-amz-security-token']);
    const suppliedHash = Object.keys(testCase.input.headers ?? {}).some((n) => n.toLowerCase() === 'x-amz-content-sha256');
    if (!suppliedHash) expect(ours['x-amz-content-sha256']).toBe(aws['x-amz-content-sha256']);
  });
});

describe('signRequest against AWS-published vectors', () => {
  it('reproduces the aws-sig-v4-test-suite "get-vanilla" signature', () => {
    const headers = signRequest({
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      region: 'us-east-1',
      service: 'service',
      credentials: keys,
      date: new Date('2015-08-30T12:36:00Z'),
      contentSha256Header: false,
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('derives the signing key of the IAM user guide example', () => {
    expect(deriveSigningKeyHex(keys.secretAccessKey, '20120215', 'us-east-1', 'iam')).toBe(
      'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
    );
  });
});

describe('signRequest details', () => {
  it('formats the date without milliseconds, in UTC', () => {
    expect(formatAmzDate(new Date('2024-02-29T23:59:59.999Z'))).toEqual({ longDate: '20240229T235959Z', shortDate: '20240229' });
  });

  it('returns only the headers to add, with the token only for temporary credentials', () => {
    expect(Object.keys(signRequest({ ...base, body: '{}' })).sort()).toEqual(['authorization', 'x-amz-content-sha256', 'x-amz-date']);
    expect(signRequest({ ...base, credentials: temporary, body: '{}' })['x-amz-security-token']).toBe(temporary.sessionToken);
  });

  it('hashes a string body and its UTF-8 bytes the same, and different bytes differently', () => {
    const asString = signRequest({ ...base, body: unicodeBody });
    const asBytes = signRequest({ ...base, body: new TextEncoder().encode(unicodeBody) });
    const normalized = signRequest({ ...base, body: unicodeBody.normalize('NFD') });
    expect(asBytes.authorization).toBe(asString.authorization);
    expect(normalized['x-amz-content-sha256']).not.toBe(asString['x-amz-content-sha256']);
    expect(normalized.authorization).not.toBe(asString.authorization);
  });

  it('reuses the derived key for the same secret, day, region and service', () => {
    const secret = { accessKeyId: 'AKIDCACHE', secretAccessKey: `cache-test-${Math.random()}` };
    signRequest({ ...base, credentials: secret, body: '{}' });
    const size = signingKeyCacheSize();
    signRequest({ ...base, credentials: secret, body: '{"other":1}' });
    expect(signingKeyCacheSize()).toBe(size);
    const rotated = signRequest({ ...base, credentials: { ...secret, secretAccessKey: `${secret.secretAccessKey}-rotated` }, body: '{}' });
    expect(rotated.authorization).not.toBe(signRequest({ ...base, credentials: secret, body: '{}' }).authorization);
  });

  it('keeps the key cache bounded', () => {
    for (let i = 0; i < 100; i += 1) signRequest({ ...base, credentials: { accessKeyId: 'A', secretAccessKey: `bound-${i}` } });
    expect(signingKeyCacheSize()).toBeLessThanOrEqual(32);
  });
});

describe('signRequest for S3 (the SES receipt-rule S3 action)', () => {
  it('signs the object path encoded once, as the AWS SDK S3 signer does', async () => {
    // An object key with characters SigV4 encodes: other services would sign them encoded twice.
    const path = `/inbound-bucket/${['incoming', 'a b+c=%d', '\\email'].map((segment) => encodeURIComponent(segment)).join('/')}`;
    const date = new Date('2026-12-04T12:00:00Z');
    const ours = signRequest({ method: 'GET', url: `https://s3.us-east-1.amazonaws.com${path}`, region: 'us-east-1', service: 's3', credentials: keys, date });
    const signer = new SignatureV4({ credentials: keys, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: true });
    const aws = await signer.sign(
      new HttpRequest({ method: 'GET', protocol: 'https:', hostname: 's3.us-east-1.amazonaws.com', path, headers: { host: 's3.us-east-1.amazonaws.com' } }),
      { signingDate: date },
    );
    expect(ours.authorization).toBe(aws.headers.authorization);
    expect(ours['x-amz-content-sha256']).toBe(aws.headers['x-amz-content-sha256']);
  });
});
