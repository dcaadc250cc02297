// TODO(#2): the address helper replaces this minimal version with the full parser.
import { AnymailInvalidAddress } from './errors.js';

/** One parsed email address. */
export interface ParsedAddress {
  /** Display name, decoded ('' when none). */
  displayName: string;
  /** The bare address, `user@domain` (domain as given; see `asciiDomain`). */
  addrSpec: string;
  username: string;
  domain: string;
  /** `Name <user@domain>` (or the bare address), for display and for ESP JSON fields. */
  address: string;
}

export function parseAddressList(value: string | readonly string[], field: string): ParsedAddress[] {
  const items = typeof value === 'string' ? [value] : value;
  const result: ParsedAddress[] = [];
  for (const item of items) {
    for (const part of item.split(',')) {
      if (part.trim() === '') continue;
      result.push(parseAddress(part, field));
    }
  }
  return result;
}

export function parseAddress(value: string, field: string): ParsedAddress {
  const match = /^\s*(?:"?([^"<]*?)"?\s*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(value);
  const addrSpec = match?.[2] ?? match?.[3];
  if (!addrSpec || !/^[^@\s]+@[^@\s]+$/.test(addrSpec)) {
    throw new AnymailInvalidAddress(`Invalid email address in ${field}: ${JSON.stringify(value)}`);
  }
  const displayName = (match?.[1] ?? '').trim();
  const at = addrSpec.lastIndexOf('@');
  return {
    displayName,
    addrSpec,
    username: addrSpec.slice(0, at),
    domain: addrSpec.slice(at + 1),
    address: displayName ? `${displayName} <${addrSpec}>` : addrSpec,
  };
}
