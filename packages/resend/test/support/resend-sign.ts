// Signs a request the way Resend's webhook sender (Svix) does, for the webhook tests.
import { createHmac, randomUUID } from 'node:crypto';

export const TEST_SIGNING_SECRET = `whsec_${Buffer.from('anymail-resend-test-signing-key!').toString('base64')}`;

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** `svix-*` headers for `body`, signed at `atMs` with `secret` (a fresh `msg_…` id unless given). */
export function signResend(body: string, atMs: number, secret = TEST_SIGNING_SECRET, id = `msg_${randomUUID()}`): SignedRequest {
  const timestamp = String(Math.floor(atMs / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    body,
    headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': `v1,${signature}` },
  };
}
