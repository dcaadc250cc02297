import { AnymailWebhookValidationFailure } from '@anymail/core';
/**
 * TEMPORARY until the ESP kit lands: core's kit exports `parseJsonLossless(text)`; switch to it
 * and delete this file. Integers beyond 2^53 become strings (Mailjet's MessageID).
 */
export function parseJsonLossless(text: string): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < text.length && /[0-9eE.+-]/.test(text[j]!)) j++;
      const token = text.slice(i, j);
      if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(last, i)}"${token}"`;
        last = j;
      }
      i = j - 1;
    }
  }
  return JSON.parse(out + text.slice(last)) as unknown;
}

/** Parse a Mailjet webhook body keeping integers beyond 2^53 as strings; malformed JSON is a 400. */
export function readMailjetJson(text: string, what: 'webhook' | 'inbound'): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    throw new AnymailWebhookValidationFailure(`Mailjet ${what} body is not valid JSON`, { statusCode: 400, espName: 'Mailjet' });
  }
}
