// Runs the two-tenant example against a fake Postmark on loopback and shows which token each
// request carried.  npx tsx examples/tenants/main.ts
import { startFakeEsp } from '@anymail/core/test';
import { postmarkFakeRoutes } from '@anymail/postmark/test';
import { configureMail, sendInvoices, sendOneOff, sendPasswordReset, type Tenant } from './tenants.js';

export async function runTenants(log: (line: string) => void = console.log): Promise<Array<{ token: string; to: string }>> {
  const postmark = await startFakeEsp(postmarkFakeRoutes());
  try {
    configureMail(postmark.url);
    const acme: Tenant = { id: 'acme', postmarkToken: 'acme-server-token', from: 'billing@acme.example' };
    const globex: Tenant = { id: 'globex', postmarkToken: 'globex-server-token', from: 'billing@globex.example' };
    // A shared server token for mail that is nobody's in particular (the env var in production).
    process.env['POSTMARK_SERVER_TOKEN'] ??= 'platform-server-token';
    await sendInvoices(acme, ['ann@customer.example', 'bob@customer.example']);
    await sendInvoices(globex, ['carl@customer.example']);
    await sendPasswordReset(globex, 'dora@customer.example');
    await sendOneOff(acme, 'erin@customer.example');
    const seen = postmark.calls.flatMap((call) => {
      const body = call.json() as Record<string, unknown> | Array<Record<string, unknown>>;
      return (Array.isArray(body) ? body : [body]).map((message) => ({ token: call.headers['x-postmark-server-token']!, to: String(message['To']) }));
    });
    for (const { token, to } of seen) log(`${to.padEnd(24)} sent with ${token}`);
    return seen;
  } finally {
    await postmark.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runTenants();
