/**
 * Two tenants, two Postmark servers: each tenant's mail goes out with its own server token.
 * Two ways, both without touching global settings:
 *   1. a connection per tenant: getConnection('postmark', { serverToken }) — options given at
 *      the call override configure() and the environment, for every message on that connection;
 *   2. per message: espExtra: { serverToken } on one EmailMessage (Postmark's per-message
 *      override; such a message is never batched with others).
 */
import { EmailMessage, configure, getConnection, sendMail } from '@anymail/core';
import { PostmarkBackend } from '@anymail/postmark';

export interface Tenant {
  id: string;
  /** The tenant's own Postmark server token (from your tenant table / secret store). */
  postmarkToken: string;
  from: string;
}

/** Shared settings: one alias for Postmark; the token is left to each call. */
export function configureMail(apiUrl?: string): void {
  configure({
    defaultFromEmail: 'noreply@platform.example',
    backends: { postmark: { backend: PostmarkBackend, options: apiUrl ? { apiUrl } : {} } },
    emailBackend: 'postmark',
  });
}

/** 1. A connection per tenant (per call): every message on it uses the tenant's token. */
export async function sendInvoices(tenant: Tenant, customers: readonly string[]): Promise<number> {
  const connection = await getConnection('postmark', { serverToken: tenant.postmarkToken });
  try {
    const messages = customers.map(
      (to) => new EmailMessage({ from: tenant.from, to: [to], subject: `Your ${tenant.id} invoice`, body: 'Attached.', connection }),
    );
    return await connection.sendMessages(messages);
  } finally {
    await connection.close();
  }
}

/** The same through sendMail, which takes the per-call connection too. */
export async function sendPasswordReset(tenant: Tenant, to: string): Promise<number> {
  const connection = await getConnection('postmark', { serverToken: tenant.postmarkToken });
  try {
    return await sendMail({ subject: 'Reset your password', message: 'Follow the link.', from: tenant.from, recipientList: [to], connection });
  } finally {
    await connection.close();
  }
}

/** 2. One message with the tenant's token, on a shared connection (Postmark's espExtra.serverToken). */
export async function sendOneOff(tenant: Tenant, to: string): Promise<void> {
  const shared = await getConnection();
  try {
    await new EmailMessage({ from: tenant.from, to: [to], subject: 'Hello', body: 'One-off.', espExtra: { serverToken: tenant.postmarkToken }, connection: shared }).send();
  } finally {
    await shared.close();
  }
}
