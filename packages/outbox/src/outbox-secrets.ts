/**
 * Credentials that ride on a message (Postmark's per-message `espExtra.serverToken`, say)
 * are never stored or logged in clear: at enqueue they are sealed with AES-256-GCM under
 * the outbox's `secretKey` (or the email is refused when there is none), opened again only
 * for delivery, and their values are cut out of every log line.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AnymailConfigurationError } from '@anymail/core';
import { OutboxInvalidEmail } from './outbox-errors.js';

/** espExtra keys whose values are credentials. */
const SECRET_KEY = /(token|secret|password|passwd|api[-_]?key|apikey|authorization|credential|private[-_]?key)/i;
const SEALED = '$anymailSealed';

/** The AES key for `secretKey` (any long random string or 32 bytes), or undefined. */
export function secretKeyOf(secretKey: string | Uint8Array | undefined): Buffer | undefined {
  if (secretKey === undefined) return undefined;
  if (typeof secretKey === 'string' && secretKey.length < 16) {
    throw new AnymailConfigurationError('Outbox `secretKey` is too short: use at least 16 random characters (e.g. openssl rand -base64 32).');
  }
  return createHash('sha256').update(secretKey).digest();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Seal every credential in `espExtra` (in place, on encoded data); refuse when there is no key. */
export function sealSecrets(espExtra: Record<string, unknown> | undefined, key: Buffer | undefined, path = 'espExtra'): void {
  if (!espExtra) return;
  for (const [name, value] of Object.entries(espExtra)) {
    if (isObject(value)) {
      sealSecrets(value, key, `${path}.${name}`);
      continue;
    }
    if (typeof value !== 'string' || !SECRET_KEY.test(name)) continue;
    if (!key) {
      throw new OutboxInvalidEmail(
        `${path}.${name} looks like a credential, and the outbox never stores one in clear. Set the outbox's \`secretKey\` to store it encrypted, or configure the backend with it instead of each message.`,
      );
    }
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    espExtra[name] = { [SEALED]: `v1.${iv.toString('base64')}.${cipher.getAuthTag().toString('base64')}.${sealed.toString('base64')}` };
  }
}

/** Open sealed credentials for delivery (in place, on decoded JSON data). */
export function openSecrets(espExtra: Record<string, unknown> | undefined, key: Buffer | undefined): void {
  if (!espExtra) return;
  for (const [name, value] of Object.entries(espExtra)) {
    if (!isObject(value)) continue;
    const sealed = value[SEALED];
    if (typeof sealed !== 'string') {
      openSecrets(value, key);
      continue;
    }
    if (!key) throw new AnymailConfigurationError(`An email holds a sealed espExtra.${name}: set the outbox's \`secretKey\` it was queued with.`);
    const [, iv, tag, data] = sealed.split('.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv!, 'base64'));
      decipher.setAuthTag(Buffer.from(tag!, 'base64'));
      espExtra[name] = Buffer.concat([decipher.update(Buffer.from(data!, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new AnymailConfigurationError(`Cannot open the sealed espExtra.${name}: the outbox's \`secretKey\` is not the one it was queued with.`, { cause: error });
    }
  }
}

/** The credential values in a message's espExtra, to cut out of log lines. */
export function secretValues(espExtra: Record<string, unknown> | undefined, found: string[] = []): string[] {
  for (const [name, value] of Object.entries(espExtra ?? {})) {
    if (isObject(value)) secretValues(value, found);
    else if (typeof value === 'string' && value.length >= 4 && SECRET_KEY.test(name)) found.push(value);
  }
  return found;
}

const ECHOED = /("?(?:[\w-]*(?:token|secret|password|passwd|api[-_]?key|apikey|authorization|credential)[\w-]*)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^\s,;&}]+)/gi;

/** A log line without credentials: known values, and anything an ESP echoed as `"…token": "…"`. */
export function redactSecrets(text: string, values: readonly string[] = []): string {
  let result = text;
  for (const value of values) result = result.split(value).join('[redacted]');
  return result.replace(ECHOED, (_match, name: string) => `${name}[redacted]`);
}
