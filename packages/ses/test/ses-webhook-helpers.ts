import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway RSA key + self-signed certificate, made with openssl at test time. */
export function makeTestCertificate(): { keyPem: string; certPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'anymail-sns-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'),
      '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=sns.us-west-2.amazonaws.com'], { stdio: 'ignore' });
    return { keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), certPem: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loopback server: serves PEM files by path and records every request path. */
export async function startCertServer(files: Record<string, string>): Promise<{ base: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files[(req.url ?? '').split('?')[0]!];
    res.writeHead(body === undefined ? (req.url?.startsWith('/?Action=ConfirmSubscription') ? 200 : 404) : 200);
    res.end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

/** The SNS string to sign, written out independently of the code under test. */
function canonical(message: Record<string, string | undefined>): string {
  const keys = message.Type === 'Notification'
    ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.filter((k) => message[k] !== undefined).map((k) => `${k}\n${message[k]}\n`).join('');
}

export function signSns<T extends Record<string, string | undefined>>(message: T, keyPem: string, version: '1' | '2' = '1'): T {
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(canonical(message)).sign(keyPem, 'base64');
  return { ...message, SignatureVersion: version, Signature: signature };
}

export function snsHeaders(message: Record<string, string | undefined>): Record<string, string> {
  return {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': message.Type!,
    'x-amz-sns-message-id': message.MessageId!,
    'x-amz-sns-topic-arn': message.TopicArn!,
  };
}
