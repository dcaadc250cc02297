import { createHash, timingSafeEqual } from 'node:crypto';
import { AnymailConfigurationError } from '../errors.js';
import { loadSetting } from '../settings.js';

/** Basic-auth credentials: `'user:pass'`, or a list of them to rotate without downtime. */
export type WebhookSecret = string | readonly string[];

/**
 * Resolve `webhookSecret`: the option, then `configure({ anymail: { <esp>: { webhookSecret } } })`,
 * then env `<ESP>_WEBHOOK_SECRET`, `ANYMAIL_<ESP>_WEBHOOK_SECRET`, `ANYMAIL_WEBHOOK_SECRET`
 * (a comma-separated list in the environment). Returns [] when none is set.
 */
export function resolveWebhookSecrets(esp: string, value: WebhookSecret | undefined, env?: NodeJS.ProcessEnv): string[] {
  const setting = loadSetting<WebhookSecret | undefined>({
    esp,
    name: 'webhookSecret',
    value,
    default: undefined,
    extraEnv: ['ANYMAIL_WEBHOOK_SECRET'],
    fromEnv: (raw) => raw.split(',').map((s) => s.trim()),
    ...(env ? { env } : {}),
  });
  const list = setting === undefined ? [] : typeof setting === 'string' ? [setting] : [...setting];
  for (const secret of list) {
    if (!secret.includes(':')) {
      throw new AnymailConfigurationError(
        `webhookSecret must be 'username:password' (got a value without ':'). Fix the ${esp} webhookSecret setting.`,
        { espName: esp },
      );
    }
  }
  return list.filter((s) => s.length > 1);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time string equality (length-independent: both sides are hashed first). */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Whether an `Authorization` header carries one of the allowed `user:pass` credentials.
 * Every secret is compared (no early exit), in constant time.
 */
export function basicAuthMatches(authorization: string | null | undefined, secrets: readonly string[]): boolean {
  const match = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization ?? '');
  const given = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  let ok = false;
  for (const secret of secrets) {
    if (constantTimeEqual(given, secret) && match) ok = true;
  }
  return ok;
}
