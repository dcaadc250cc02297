// Issue #13 item 9: the charset-decoder cache is keyed by a name taken from the input.
import { describe, expect, it } from 'vitest';
import { decodeRfc2047, parseAddress } from '@anymail/core';
import { charsetDecoderCacheSize } from '../src/rfc2047.js';

describe('RFC 2047 charset decoders', () => {
  it('200 000 made-up charset names do not grow the cache', () => {
    const before = charsetDecoderCacheSize();
    for (let i = 0; i < 200_000; i++) {
      const word = `=?x-made-up-${i}?q?abc?=`;
      // An unknown charset leaves the encoded-word as written.
      expect(decodeRfc2047(word)).toBe(word);
    }
    parseAddress('=?x-made-up-again?q?Name?= <a@example.com>', 'to');
    expect(charsetDecoderCacheSize()).toBeLessThanOrEqual(Math.max(before, 1) + 1);
  });

  it('every valid label stays bounded too, and known charsets still decode', () => {
    const labels = ['utf-8', 'UTF-8', 'utf8', 'iso-8859-1', 'latin1', 'windows-1252', 'koi8-r', 'shift_jis', 'gb18030', 'big5'];
    for (const label of labels) expect(decodeRfc2047(`=?${label}?q?abc?=`)).toBe('abc');
    expect(decodeRfc2047('=?iso-8859-1?q?Zo=EB?=')).toBe('Zoë');
    expect(charsetDecoderCacheSize()).toBeLessThanOrEqual(256);
  });
});
