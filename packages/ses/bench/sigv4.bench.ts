/**
 * Signing speed: our node:crypto SigV4 vs the AWS SDK's @smithy/signature-v4, on a SendEmail-sized request.
 * Run: cd /work/main && npx tsx packages/ses/bench/sigv4.bench.ts [iterations]
 * Not a test: numbers depend on the machine; compare the ratio.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { signRequest } from '../src/ses-sigv4.js';

const iterations = Number(process.argv[2] ?? 20_000);
const credentials = {
  accessKeyId: 'ASIAEXAMPLETEMPORARY',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE'.repeat(20),
};
// A typical SendEmail: a few recipients, text + HTML body of a few KB, one small attachment.
const body = JSON.stringify({
  FromEmailAddress: 'Shop <orders@example.com>',
  Destination: { ToAddresses: ['customer@example.net'], BccAddresses: ['archive@example.com'] },
  ReplyToAddresses: ['support@example.com'],
  ConfigurationSetName: 'transactional',
  EmailTags: [{ Name: 'category', Value: 'receipt' }],
  Content: {
    Simple: {
      Subject: { Data: 'Your order #12345 — merci!', Charset: 'UTF-8' },
      Body: { Text: { Data: 'Thanks for your order. '.repeat(80) }, Html: { Data: '<p>Thanks for your order.</p>'.repeat(80) } },
      Attachments: [{ FileName: 'receipt.txt', RawContent: Buffer.from('x'.repeat(4000)).toString('base64') }],
    },
  },
});
const url = new URL('https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails');
const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
const date = new Date('2026-11-21T02:30:00Z');

/** The Checksum adapter @smithy/hash-node provides in the Node SDK: node:crypto behind smithy's interface. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}

function smithySigner(sha256: ConstructorParameters<typeof SignatureV4>[0]['sha256']): SignatureV4 {
  return new SignatureV4({ credentials, region: 'eu-west-1', service: 'ses', sha256, uriEscapePath: true });
}

async function smithySign(signer: SignatureV4): Promise<string> {
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    path: url.pathname,
    headers: { host: url.host, ...headers },
    body,
  });
  const signed = await signer.sign(request, { signingDate: date });
  return signed.headers.authorization!;
}

/** Ops/s of one timed round. */
async function round(run: () => unknown, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) await run();
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

/**
 * The machine is shared, so load swings during a run: the signers take turns in short rounds
 * and each keeps its best round, which is the least disturbed one.
 */
async function measure(runs: Record<string, () => unknown>, rounds = 10): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (const run of Object.values(runs)) for (let i = 0; i < 1000; i += 1) await run(); // warm up
  for (let r = 0; r < rounds; r += 1) {
    for (const [name, run] of Object.entries(runs)) best[name] = Math.max(best[name] ?? 0, await round(run, Math.ceil(iterations / rounds)));
  }
  for (const [name, opsPerSecond] of Object.entries(best)) {
    console.log(`${name.padEnd(44)} ${opsPerSecond.toFixed(0).padStart(9)} ops/s  ${(1e6 / opsPerSecond).toFixed(1).padStart(7)} µs/op`);
  }
  return best;
}

const ours = () => signRequest({ method: 'POST', url, headers, body, region: 'eu-west-1', service: 'ses', credentials, date }).authorization;
const smithyJs = smithySigner(Sha256);
const smithyNode = smithySigner(NodeSha256);

const [a, b, c] = [ours(), await smithySign(smithyJs), await smithySign(smithyNode)];
if (a !== b || a !== c) throw new Error('signers disagree; fix before benchmarking');

console.log(`SigV4 signing, body ${Buffer.byteLength(body)} bytes, ${iterations} iterations per signer in 10 rounds (best round), Node ${process.version}`);
const results = await measure({
  '@anymail/ses signRequest (node:crypto)': ours,
  '@smithy/signature-v4 + @aws-crypto/sha256-js': () => smithySign(smithyJs),
  '@smithy/signature-v4 + node:crypto adapter': () => smithySign(smithyNode),
});
const [oursOps, jsOps, nodeOps] = Object.values(results) as [number, number, number];
console.log(`ratio ours / smithy+sha256-js:    ${(oursOps / jsOps).toFixed(1)}x`);
console.log(`ratio ours / smithy+node:crypto:  ${(oursOps / nodeOps).toFixed(1)}x`);
