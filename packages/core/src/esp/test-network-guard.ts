import { isIP } from 'node:net';
import { AnymailConfigurationError } from '../errors.js';

/**
 * Test mode: once a test helper from `@anymail/*\/test` (a fake ESP, msw handlers) is in use,
 * an ESP backend refuses to open a connection of its own to a public host. Such a request
 * bypasses msw (it sees Fetch API traffic only), so it would reach the real ESP, and with a
 * real token in the environment, send real mail.
 *
 * The state lives on globalThis under a registered symbol, so every copy of @anymail/core in a
 * process (and a test kit built against another copy) sees the same switch.
 */
const STATE = Symbol.for('anymail.testNetworkGuard');

interface GuardState {
  /** What turned the guard on, for the error message; undefined when off. */
  engagedBy: string | undefined;
  /** Set by disableTestNetworkGuard(): helpers no longer turn it on. */
  disabled: boolean;
}

function state(): GuardState {
  const holder = globalThis as { [STATE]?: GuardState };
  return (holder[STATE] ??= { engagedBy: undefined, disabled: false });
}

/**
 * Turn the test-mode network guard on (the `@anymail/*\/test` helpers call this; call it in a
 * test setup file to guard every test). `by` names what turned it on, for the error message.
 * Does nothing after `disableTestNetworkGuard()` or with `ANYMAIL_TEST_ALLOW_REAL_ESP=1`.
 */
export function enableTestNetworkGuard(by = 'enableTestNetworkGuard()'): void {
  const current = state();
  if (current.disabled || process.env['ANYMAIL_TEST_ALLOW_REAL_ESP'] === '1') return;
  current.engagedBy ??= by;
}

/** Turn the guard off for this process, for tests that call a real ESP (a sandbox) on purpose. */
export function disableTestNetworkGuard(): void {
  const current = state();
  current.engagedBy = undefined;
  current.disabled = true;
}

/** Whether the guard is on, and what turned it on. */
export function testNetworkGuardState(): { enabled: boolean; by: string | undefined } {
  const { engagedBy } = state();
  return { enabled: engagedBy !== undefined, by: engagedBy };
}

const PRIVATE_V4: ReadonlyArray<[number, number]> = [
  [0x7f000000, 8], // 127/8 loopback
  [0x0a000000, 8], // 10/8
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0xa9fe0000, 16], // 169.254/16 link-local
  [0x64400000, 10], // 100.64/10 shared address space
  [0x00000000, 8], // 0/8
  [0xc0000200, 24], // 192.0.2/24 TEST-NET-1
  [0xc6336400, 24], // 198.51.100/24 TEST-NET-2
  [0xcb007100, 24], // 203.0.113/24 TEST-NET-3
];

/** Names that can never be a public ESP: reserved TLDs (RFC 2606, 6761) and one-label hosts. */
const RESERVED_SUFFIX = /(^|\.)(localhost|test|invalid|example|local|internal|home\.arpa)\.?$/i;

/** Whether a URL's host is loopback, private or reserved (not a public internet host). */
export function isNonPublicHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  if (family === 4) {
    const value = host.split('.').reduce((total, part) => total * 256 + Number(part), 0);
    return PRIVATE_V4.some(([base, bits]) => Math.floor(value / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
  }
  if (family === 6) {
    const lower = host.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return isNonPublicHost(mapped[1]!);
    return lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
  }
  return !host.includes('.') || RESERVED_SUFFIX.test(host);
}

/**
 * Throw when the guard is on and `url` is a public host the backend would reach through its
 * own pool. Requests through a user-given `fetch` are not checked: that is the path msw sees.
 */
export function assertTestNetworkAllows(url: URL, espName: string): void {
  const { engagedBy } = state();
  if (engagedBy === undefined || isNonPublicHost(url.hostname)) return;
  throw new AnymailConfigurationError(
    `Test mode: ${espName} refused to send to ${url.origin}, a public host, because ${engagedBy} is in use in this process ` +
      '(msw cannot see the backend\'s own HTTP pool, so this request would reach the real ESP). Point the backend\'s apiUrl ' +
      '(SES: endpoint) at the fake ESP (startFakeEsp().url), or pass fetch: (...args) => fetch(...args) so msw intercepts it. ' +
      'To call a real ESP from a test on purpose, call disableTestNetworkGuard() or set ANYMAIL_TEST_ALLOW_REAL_ESP=1.',
    { espName },
  );
}
