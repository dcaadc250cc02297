import type { EspRequest } from './esp-request.js';

/** Headers whose values are always hidden in logs, besides an ESP's own list. */
const alwaysSecret = /(authorization|token|secret|api-?key|password|signature)/i;

/** One log line for a request, with secrets replaced by '[redacted]'. */
export function describeRequest(espName: string, baseUrl: URL, request: EspRequest, secretHeaders: readonly string[]): string {
  const headers = Object.entries(request.headers)
    .map(([name, value]) => {
      const secret = secretHeaders.includes(name.toLowerCase()) || alwaysSecret.test(name);
      return `${name}: ${secret ? '[redacted]' : value}`;
    })
    .join('; ');
  const url = new URL(request.path, baseUrl);
  url.username = '';
  url.password = '';
  const size = request.body === undefined ? 0 : typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body.byteLength;
  return `${espName} → ${request.method} ${url.href} [${headers}] (${size} bytes)`;
}
