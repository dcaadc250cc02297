/**
 * JSON.parse that keeps integers beyond 2^53 exact: they come back as strings (decimal digits,
 * as written), every other value as JSON.parse gives it. ESPs such as Mailjet (MessageID) and
 * SparkPost (transmission and event ids) send ids a plain JSON.parse would round
 * (2^53 + 1 → 9007199254740992), so two different messages could share an id.
 * Node 20 has no JSON.parse source access, so big integer tokens are quoted before parsing.
 */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(quoteLargeIntegers(text));
}

/** Integer tokens with more digits than this may not be exact doubles. */
const SAFE_DIGITS = 15;

/**
 * The text with every integer token longer than 15 digits (outside strings) quoted, when it is
 * beyond Number.MAX_SAFE_INTEGER. Returns the text itself when there is nothing to quote.
 */
export function quoteLargeIntegers(text: string): string {
  // Fast path: no run of 16 digits anywhere means nothing to do.
  if (!/\d{16}/.test(text)) return text;
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      if (c === 0x2d) i++;
      while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
      const next = i < n ? text.charCodeAt(i) : 0;
      const isInteger = next !== 0x2e /* . */ && next !== 0x65 /* e */ && next !== 0x45 /* E */;
      const digits = i - start - (c === 0x2d ? 1 : 0);
      if (isInteger && digits > SAFE_DIGITS && !Number.isSafeInteger(Number(text.slice(start, i)))) {
        out += `${text.slice(last, start)}"${text.slice(start, i)}"`;
        last = i;
      }
      // Skip the rest of a non-integer number (fraction, exponent) unchanged.
      while (i < n && /[0-9.eE+-]/.test(text[i]!)) i++;
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}
