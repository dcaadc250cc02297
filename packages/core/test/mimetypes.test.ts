import { describe, expect, it } from 'vitest';
import { guessExtension, guessMimetype } from '../src/mimetypes.js';

describe('guessExtension (MIME type → file-name extension, for ESPs that need a filename)', () => {
  it('gives the usual extension of a known type, ignoring parameters and case', () => {
    expect(guessExtension('image/png')).toBe('png');
    expect(guessExtension('IMAGE/JPEG')).toBe('jpg');
    expect(guessExtension('text/plain; charset=utf-8')).toBe('txt');
    expect(guessExtension('text/html')).toBe('html');
    expect(guessExtension('application/pdf')).toBe('pdf');
  });
  it('round-trips through guessMimetype for every type it names', () => {
    for (const type of ['image/png', 'image/jpeg', 'text/csv', 'application/zip', 'message/rfc822', 'text/calendar']) {
      expect(guessMimetype(`file.${guessExtension(type)}`)).toBe(type);
    }
  });
  it('is undefined for an unknown or missing type', () => {
    expect(guessExtension('application/x-unknown-thing')).toBeUndefined();
    expect(guessExtension(undefined)).toBeUndefined();
  });
});
