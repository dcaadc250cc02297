/**
 * Who is asking: a session cookie (set by the login form), an `Authorization: Basic` header
 * or an `Authorization: Bearer` token. Every secret is compared in constant time (both sides
 * hashed first, so lengths leak nothing). Sessions and CSRF tokens are HMACs under a key
 * that never leaves the process; CSRF tokens are bound to the session (synchronizer token).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AnymailConfigurationError } from '@anymail/core';

/** Credentials the admin accepts. At least one user or token is required. */
export interface OutboxAdminAuth {
  /** Users who log in with a password (login form, or HTTP Basic). */
  users?: ReadonlyArray<{ username: string; password: string }>;
  /** Bearer tokens, each with a name for the action log (for scripts: `Authorization: Bearer …`). */
  tokens?: ReadonlyArray<{ name: string; token: string }>;
  /**
   * Key for session cookies and CSRF tokens. Give the same one to every process behind a
   * load balancer. @default random per process (sessions end when it restarts)
   */
  sessionSecret?: string;
  /** How long a login lasts. @default 8 hours */
  sessionMs?: number;
}

export interface Principal {
  /** Who, for the action log: a username or a token's name. */
  who: string;
  /** How: a bearer token is never sent by a browser on its own, so it needs no CSRF token. */
  via: 'session' | 'basic' | 'bearer';
  /** The value CSRF tokens are bound to. */
  binding: string;
}

export const SESSION_COOKIE = 'anymail_outbox_admin';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time string equality (hash both: timingSafeEqual needs equal lengths). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export class AdminAuth {
  readonly #users: ReadonlyArray<{ username: string; password: string }>;
  readonly #tokens: ReadonlyArray<{ name: string; token: string }>;
  readonly #key: Buffer;
  readonly sessionMs: number;

  constructor(auth: OutboxAdminAuth | undefined) {
    const users = auth?.users ?? [];
    const tokens = auth?.tokens ?? [];
    if (users.length === 0 && tokens.length === 0) {
      throw new AnymailConfigurationError(
        'The outbox admin serves nothing without a credential: pass auth: { users: [{ username, password }] } or auth: { tokens: [{ name, token }] }.',
      );
    }
    for (const user of users) {
      if (!user.username || /[:\s]/.test(user.username) || !user.password || user.password.length < 8) {
        throw new AnymailConfigurationError('Outbox admin users need a username (no spaces or colons) and a password of at least 8 characters.');
      }
    }
    for (const token of tokens) {
      if (!token.name || !token.token || token.token.length < 16) throw new AnymailConfigurationError('Outbox admin tokens need a name and a token of at least 16 characters.');
    }
    this.#users = users;
    this.#tokens = tokens;
    this.#key = auth?.sessionSecret ? digest(`anymail-outbox-admin:${auth.sessionSecret}`) : randomBytes(32);
    this.sessionMs = auth?.sessionMs ?? 8 * 3_600_000;
  }

  get hasUsers(): boolean {
    return this.#users.length > 0;
  }

  /** The user these credentials name, or undefined. Every user is checked, so timing shows nothing. */
  checkPassword(username: string, password: string): string | undefined {
    let found: string | undefined;
    for (const user of this.#users) {
      const ok = safeEqual(user.username, username) && safeEqual(user.password, password);
      if (ok) found = user.username;
    }
    return found;
  }

  checkToken(token: string): string | undefined {
    let found: string | undefined;
    for (const entry of this.#tokens) if (safeEqual(entry.token, token)) found = entry.name;
    return found;
  }

  #sign(value: string): string {
    return createHmac('sha256', this.#key).update(value).digest('base64url');
  }

  /** A session cookie value: `who.expiry.nonce.mac`. */
  newSession(who: string, now = Date.now()): string {
    const body = `${Buffer.from(who).toString('base64url')}.${now + this.sessionMs}.${randomBytes(12).toString('base64url')}`;
    return `${body}.${this.#sign(`session:${body}`)}`;
  }

  #session(value: string, now: number): Principal | undefined {
    const parts = value.split('.');
    if (parts.length !== 4) return undefined;
    const body = parts.slice(0, 3).join('.');
    if (!safeEqual(parts[3]!, this.#sign(`session:${body}`))) return undefined;
    if (!(Number(parts[1]) > now)) return undefined;
    return { who: Buffer.from(parts[0]!, 'base64url').toString('utf8'), via: 'session', binding: `session:${parts[2]}` };
  }

  /** Authenticate a request from its headers. */
  identify(headers: Headers, now = Date.now()): Principal | undefined {
    const authorization = headers.get('authorization') ?? '';
    const match = /^(\S+)\s+(.*)$/s.exec(authorization.trim());
    const scheme = match?.[1];
    const credentials = match?.[2] ?? '';
    if (scheme?.toLowerCase() === 'bearer') {
      const who = this.checkToken(credentials);
      return who === undefined ? undefined : { who: `token:${who}`, via: 'bearer', binding: `bearer:${who}` };
    }
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      const who = this.checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
      return who === undefined ? undefined : { who, via: 'basic', binding: `basic:${who}` };
    }
    const cookie = readCookie(headers.get('cookie'), SESSION_COOKIE);
    return cookie === undefined ? undefined : this.#session(cookie, now);
  }

  /** The CSRF token for this principal's forms. */
  csrfToken(principal: Principal): string {
    return this.#sign(`csrf:${principal.binding}`);
  }

  checkCsrf(principal: Principal, token: string | null): boolean {
    if (principal.via === 'bearer') return true;
    return token !== null && safeEqual(token, this.csrfToken(principal));
  }
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Slows password guessing: after `maxFailures` wrong passwords for one username within
 * `windowMs`, that username cannot log in until the window has passed. In memory, per
 * process, bounded in size (the oldest entries go first).
 */
export class LoginThrottle {
  readonly #failures = new Map<string, { count: number; since: number }>();
  constructor(
    readonly maxFailures = 10,
    readonly windowMs = 15 * 60_000,
    readonly maxEntries = 10_000,
  ) {}

  blocked(username: string, now = Date.now()): boolean {
    const entry = this.#failures.get(username);
    if (!entry) return false;
    if (now - entry.since > this.windowMs) {
      this.#failures.delete(username);
      return false;
    }
    return entry.count >= this.maxFailures;
  }

  failed(username: string, now = Date.now()): void {
    const entry = this.#failures.get(username);
    if (entry && now - entry.since <= this.windowMs) entry.count++;
    else {
      this.#failures.delete(username);
      if (this.#failures.size >= this.maxEntries) this.#failures.delete(this.#failures.keys().next().value!);
      this.#failures.set(username, { count: 1, since: now });
    }
  }

  succeeded(username: string): void {
    this.#failures.delete(username);
  }
}
