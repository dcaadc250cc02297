import { AnymailAPIError, type FailureCategory } from '../errors.js';

interface NetworkFacts {
  category: FailureCategory;
  deliveryUnknown: boolean;
  what: string;
}

/** undici / Node error codes → what happened, and whether the ESP may have the request. */
const networkErrors: Record<string, NetworkFacts> = {
  ECONNREFUSED: { category: 'network', deliveryUnknown: false, what: 'connection refused' },
  ENOTFOUND: { category: 'network', deliveryUnknown: false, what: 'host not found' },
  EAI_AGAIN: { category: 'network', deliveryUnknown: false, what: 'DNS lookup failed' },
  EHOSTUNREACH: { category: 'network', deliveryUnknown: false, what: 'host unreachable' },
  ENETUNREACH: { category: 'network', deliveryUnknown: false, what: 'network unreachable' },
  UND_ERR_CONNECT_TIMEOUT: { category: 'timeout', deliveryUnknown: false, what: 'connect timeout' },
  UND_ERR_HEADERS_TIMEOUT: { category: 'timeout', deliveryUnknown: true, what: 'timed out waiting for the response headers' },
  UND_ERR_BODY_TIMEOUT: { category: 'timeout', deliveryUnknown: true, what: 'timed out reading the response body' },
  UND_ERR_SOCKET: { category: 'network', deliveryUnknown: true, what: 'connection closed by the server' },
  ECONNRESET: { category: 'network', deliveryUnknown: true, what: 'connection reset' },
  EPIPE: { category: 'network', deliveryUnknown: true, what: 'connection closed while sending' },
  UND_ERR_CLOSED: { category: 'network', deliveryUnknown: false, what: 'client closed' },
  UND_ERR_DESTROYED: { category: 'network', deliveryUnknown: true, what: 'connection destroyed by close()' },
};

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if ((current as { name?: unknown }).name === 'TimeoutError') return 'FETCH_TIMEOUT';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Map a transport failure to an AnymailAPIError carrying category and deliveryUnknown. */
export function networkError(error: unknown, espName: string, url: string): AnymailAPIError {
  const code = errorCode(error);
  const facts: NetworkFacts =
    code === 'FETCH_TIMEOUT'
      ? { category: 'timeout', deliveryUnknown: true, what: 'request timed out' }
      : (code && networkErrors[code]) || { category: 'network', deliveryUnknown: true, what: 'network error' };
  return new AnymailAPIError(`${espName}: ${facts.what} (${code ?? 'unknown error'}) for ${url}`, {
    code: `ANYMAIL_${facts.category === 'timeout' ? 'TIMEOUT' : 'NETWORK'}`,
    category: facts.category,
    deliveryUnknown: facts.deliveryUnknown,
    espName,
    cause: error,
  });
}

/** A failure while sending or reading: Anymail's own errors as they are, others mapped; after the headers, delivery is unknown. */
export function transportError(error: unknown, espName: string, url: string, statusCode: number): AnymailAPIError {
  if (AnymailAPIError.isInstance(error)) return error;
  const mapped = networkError(error, espName, url);
  // Headers arrived but the body broke off: the ESP certainly has the request.
  if (statusCode !== 0) return new AnymailAPIError(mapped.message, { ...mapped, statusCode, deliveryUnknown: true, cause: error });
  return mapped;
}

export function tooLarge(espName: string, statusCode: number, max: number): AnymailAPIError {
  return new AnymailAPIError(`${espName} response body is larger than ${max} bytes (maxResponseBytes)`, {
    code: 'ANYMAIL_RESPONSE_TOO_LARGE',
    category: 'server',
    statusCode,
    espName,
    deliveryUnknown: true,
  });
}

