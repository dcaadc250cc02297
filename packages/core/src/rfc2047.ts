import { TextDecoder } from 'node:util';

const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * Decoders by lower-cased charset label. Only labels TextDecoder knows are cached (the WHATWG
 * Encoding Standard lists about 230), and the map is cleared past MAX_DECODERS anyway: the
 * label comes from the input, so caching every name seen would let a sender grow it without
 * bound (issue #13: +52 MB for 200 000 made-up names).
 */
const decoders = new Map<string, TextDecoder>();
const MAX_DECODERS = 256;

function decoderFor(charset: string): TextDecoder | undefined {
  const key = charset.toLowerCase();
  const cached = decoders.get(key);
  if (cached) return cached;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(key);
  } catch {
    return undefined; // unknown charset: the encoded-word is kept as written (and not cached)
  }
  if (decoders.size >= MAX_DECODERS) decoders.clear();
  decoders.set(key, decoder);
  return decoder;
}

/** How many charset decoders are cached (for tests of the bound). */
export function charsetDecoderCacheSize(): number {
  return decoders.size;
}

function decodeEncodedWord(word: string, charset: string, encoding: string, text: string): string {
  const decoder = decoderFor(charset);
  if (!decoder) return word;
  if (encoding === 'b' || encoding === 'B') return decoder.decode(Buffer.from(text, 'base64'));
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const hex = c === 61 /* = */ ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9a-f]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(c === 95 /* _ */ ? 32 : c & 0xff);
  }
  return decoder.decode(Uint8Array.from(bytes));
}

/** Decode RFC 2047 encoded-words (`=?utf-8?q?...?=`) in a header text. */
export function decodeRfc2047(text: string): string {
  return text.includes('=?') ? text.replace(ENCODED_WORD, decodeEncodedWord) : text;
}

/**
 * The text as a consumer that decodes again and again would see it: an encoded-word can encode
 * another one (`=?utf-8?b?PT91dGYtOD9iP1lRQmk/PQ==?=` decodes to `=?utf-8?b?YQBi?=`, which
 * decodes to `a\0b`), so checks of decoded text run on this. Stops when nothing changes, or after
 * a few rounds (each round shrinks the text; deeper nesting is never legitimate).
 */
export function decodeRfc2047Fully(text: string): string {
  let current = text;
  for (let round = 0; round < 4 && current.includes('=?'); round++) {
    const next = decodeRfc2047(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/** RFC 2047 B-encoded words of at most 45 UTF-8 bytes each (75 characters encoded), split between code points. */
export function encodeRfc2047(text: string): string {
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > 45 && chunk !== '') {
      words.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  words.push(chunk);
  return words.map((word) => `=?utf-8?b?${Buffer.from(word).toString('base64')}?=`).join(' ');
}
