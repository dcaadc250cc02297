/**
 * Characters never allowed in a value that ends up in a header line (subject, header values,
 * display names, addresses, attachment names and types, tags, metadata keys): C0 controls
 * except TAB (CR and LF among them), DEL, C1 controls (U+0085 NEL among them) and the Unicode
 * line and paragraph separators. Any of them can end a header line for some parser, and none
 * has a meaning in a header.
 */
export const FORBIDDEN_IN_HEADER = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/;

/** A description of the first forbidden character in `value`, or undefined when there is none. */
export function forbiddenCharacter(value: string): string | undefined {
  const match = FORBIDDEN_IN_HEADER.exec(value);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code === 10 || code === 13) return `a newline (${hex})`;
  if (code === 0x2028 || code === 0x2029 || code === 0x85) return `a Unicode line break (${hex})`;
  return `a control character (${hex})`;
}
