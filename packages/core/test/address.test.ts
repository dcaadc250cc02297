import { describe, expect, it } from 'vitest';
import {
  AnymailError,
  AnymailInvalidAddress,
  asciiDomain,
  decodeRfc2047,
  encodeRfc2047,
  formatAddress,
  hasNonAsciiLocalPart,
  parseAddress,
  parseAddressList,
  toAsciiAddrSpec,
} from '@anymail/core';

function fields(value: string) {
  const { displayName, addrSpec, username, domain, address } = parseAddress(value, 'to');
  return { displayName, addrSpec, username, domain, address };
}

describe('parseAddress accepts', () => {
  it('a bare address', () => {
    expect(fields('user@example.com')).toEqual({
      displayName: '',
      addrSpec: 'user@example.com',
      username: 'user',
      domain: 'example.com',
      address: 'user@example.com',
    });
  });

  it('Name <addr>, trimming the whitespace around both', () => {
    expect(fields('  Jane Doe   <jane.doe@example.com>  ')).toMatchObject({
      displayName: 'Jane Doe',
      addrSpec: 'jane.doe@example.com',
      address: 'Jane Doe <jane.doe@example.com>',
    });
  });

  it('<addr> with no name', () => {
    expect(fields('<user@example.com>')).toMatchObject({ displayName: '', address: 'user@example.com' });
  });

  it('a quoted display name with a comma, and re-quotes it in address', () => {
    expect(fields('"Doe, John" <j@example.com>')).toMatchObject({
      displayName: 'Doe, John',
      addrSpec: 'j@example.com',
      address: '"Doe, John" <j@example.com>',
    });
  });

  it('escaped quotes and backslashes in a quoted name', () => {
    const parsed = fields('"Jane \\"JD\\" Doe \\\\ Co" <jd@example.com>');
    expect(parsed.displayName).toBe('Jane "JD" Doe \\ Co');
    expect(parsed.address).toBe('"Jane \\"JD\\" Doe \\\\ Co" <jd@example.com>');
  });

  it('drops comments, nested ones included', () => {
    expect(fields('user@example.com (Jane (the boss) Doe)').addrSpec).toBe('user@example.com');
    expect(fields('Jane (work) <jane@example.com>').displayName).toBe('Jane');
  });

  it('RFC 2047 encoded-words in the name, Q and B, joining adjacent words', () => {
    expect(fields('=?utf-8?q?J=C3=B6rg_M?= =?UTF-8?B?w7xsbGVy?= <j@example.de>').displayName).toBe('Jörg Müller');
    expect(fields('=?iso-8859-1?q?Andr=E9?= Pirard <a@example.be>').displayName).toBe('André Pirard');
    expect(fields('"=?utf-8?b?5bGx55Sw?=" <y@example.jp>').displayName).toBe('山田');
  });

  it('keeps an encoded-word whose charset it does not know as written', () => {
    expect(fields('=?x-unknown?q?abc?= <a@example.com>').displayName).toBe('=?x-unknown?q?abc?=');
  });

  it('Unicode display names, domains and local parts as given', () => {
    expect(fields('José Ñandú <josé@bücher.example>')).toMatchObject({
      displayName: 'José Ñandú',
      username: 'josé',
      domain: 'bücher.example',
      address: 'José Ñandú <josé@bücher.example>',
    });
  });

  it('quoted local parts, unquoting them when they do not need quotes', () => {
    expect(fields('"john doe"@example.com').addrSpec).toBe('"john doe"@example.com');
    expect(fields('<"john"@example.com>').addrSpec).toBe('john@example.com');
    expect(fields('<"a,b c"@example.com>').username).toBe('"a,b c"');
    // '<' and '>' in a quoted local part are refused (issue #13): nodemailer rewrites them, so the
    // To: header would differ from the envelope.
    expect(() => fields('<"a>b,c"@example.com>')).toThrow(AnymailInvalidAddress);
  });

  it('plus tags, RFC 5322 atext, domain literals and single-label hosts', () => {
    expect(fields("o'brien+tag!x@sub.example.co.uk").username).toBe("o'brien+tag!x");
    expect(fields('root@[192.0.2.1]').domain).toBe('[192.0.2.1]');
    expect(fields('webmaster@localhost').domain).toBe('localhost');
  });
});

describe('parseAddressList', () => {
  it('splits one string on commas outside quotes and angle brackets', () => {
    const list = parseAddressList('"Doe, John" <j@example.com>, b@example.org ,<c@example.net>', 'to');
    expect(list.map((address) => address.addrSpec)).toEqual(['j@example.com', 'b@example.org', 'c@example.net']);
    expect(list[0]!.displayName).toBe('Doe, John');
  });

  it('takes an array whose items may each hold a list, and skips empty items', () => {
    const list = parseAddressList(['a@example.com, B <b@example.com>', '', 'c@example.com,'], 'cc');
    expect(list.map((address) => address.address)).toEqual(['a@example.com', 'B <b@example.com>', 'c@example.com']);
    expect(parseAddressList('', 'cc')).toEqual([]);
    expect(parseAddressList([], 'cc')).toEqual([]);
  });

  it('names the field and the whole value when one item is bad', () => {
    expect(() => parseAddressList(['ok@example.com', 'ok2@example.com, nope'], 'bcc')).toThrow(
      /Invalid email address in bcc: "ok2@example.com, nope" \(no @\)/,
    );
  });
});

describe('parseAddress refuses', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['empty', '', /empty address/],
    ['blank', '   ', /empty address/],
    ['no @', 'user.example.com', /no @/],
    ['two @', 'user@host@example.com', /more than one @/],
    ['nothing before @', '@example.com', /nothing before the @/],
    ['no domain', 'user@', /no domain/],
    ['bad domain', 'user@-example-.com', /invalid domain/],
    ['empty domain label', 'user@example..com', /invalid domain/],
    ['double dot local part', 'a..b@example.com', /dots before the @/],
    ['junk words', 'not an address', /no @/],
    ['a name without <>', 'Jane Doe jane@example.com', /spaces in a bare address/],
    ['unclosed <', 'Jane <jane@example.com', /unbalanced angle brackets/],
    ['stray >', 'jane@example.com>', /unbalanced angle brackets/],
    ['nested <', 'Jane <<jane@example.com>>', /unbalanced angle brackets/],
    ['empty <>', 'Jane <>', /empty <>/],
    ['text after >', '<jane@example.com> Jane', /text after the closing >/],
    ['unclosed quote', '"Jane <jane@example.com>', /unclosed quote/],
    ['unclosed comment', 'jane@example.com (Jane', /unclosed comment/],
    ['a list', 'a@example.com, b@example.com', /expected one address, got a list of 2/],
    ['an unquoted comma in the name', 'Doe, John <j@example.com>', /expected one address/],
    ['a group', 'Team: a@example.com;', /spaces in a bare address/],
  ];
  it.each(bad)('%s', (_case, value, reason) => {
    let error: unknown;
    try {
      parseAddress(value, 'replyTo');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AnymailInvalidAddress);
    const invalid = error as AnymailInvalidAddress;
    expect(invalid.message).toContain(`Invalid email address in replyTo: ${JSON.stringify(value)}`);
    expect(invalid.message).toMatch(reason);
    expect(invalid.code).toBe('ANYMAIL_INVALID_ADDRESS');
    expect(invalid.category).toBe('invalid-request');
    expect(AnymailError.isInstance(invalid)).toBe(true);
  });

  it('an IDN domain that punycode cannot encode', () => {
    expect(() => parseAddress('a@xn--ü.example', 'to')).toThrow(/invalid domain/);
  });

  it('truncates a huge value in the message', () => {
    const value = `${'x'.repeat(5000)}`;
    expect(() => parseAddress(value, 'to')).toThrow(AnymailInvalidAddress);
    try {
      parseAddress(value, 'to');
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(400);
    }
  });
});

describe('IDN and non-ASCII local parts', () => {
  it('asciiDomain converts IDN labels to punycode and leaves ASCII alone', () => {
    expect(asciiDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(asciiDomain('例え.jp')).toBe('xn--r8jz45g.jp');
    expect(asciiDomain('Example.COM')).toBe('Example.COM');
  });

  it('asciiDomain refuses a domain punycode cannot encode', () => {
    expect(() => asciiDomain('xn--ü.example')).toThrow(AnymailInvalidAddress);
  });

  it('toAsciiAddrSpec converts the domain and never the local part', () => {
    expect(toAsciiAddrSpec(parseAddress('Jörg <jörg@bücher.example>', 'to'))).toBe('jörg@xn--bcher-kva.example');
    expect(toAsciiAddrSpec(parseAddress('user@example.com', 'to'))).toBe('user@example.com');
  });

  it('hasNonAsciiLocalPart tells a Unicode local part from a Unicode domain', () => {
    expect(hasNonAsciiLocalPart(parseAddress('jörg@example.com', 'to'))).toBe(true);
    expect(hasNonAsciiLocalPart(parseAddress('Jörg <j@bücher.example>', 'to'))).toBe(false);
    expect(hasNonAsciiLocalPart('用户@example.com')).toBe(true);
    expect(hasNonAsciiLocalPart('user@例え.jp')).toBe(false);
  });
});

describe('formatAddress', () => {
  it('rfc2047: encodes a non-ASCII name and punycodes the domain', () => {
    const formatted = formatAddress(parseAddress('Jörg Müller <j@bücher.example>', 'to'), { encoding: 'rfc2047' });
    expect(formatted).toBe(`${encodeRfc2047('Jörg Müller')} <j@xn--bcher-kva.example>`);
    expect(formatted).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeRfc2047(formatted)).toBe('Jörg Müller <j@xn--bcher-kva.example>');
  });

  it('rfc2047 is the default; ASCII names are quoted only when they hold specials', () => {
    expect(formatAddress(parseAddress('Jane Doe <j@example.com>', 'to'))).toBe('Jane Doe <j@example.com>');
    expect(formatAddress(parseAddress('"Doe, J." <j@example.com>', 'to'))).toBe('"Doe, J." <j@example.com>');
    expect(formatAddress(parseAddress('"Say \\"hi\\"" <j@example.com>', 'to'))).toBe('"Say \\"hi\\"" <j@example.com>');
    expect(formatAddress(parseAddress('j@example.com', 'to'))).toBe('j@example.com');
  });

  it('rfc2047 encodes an ASCII name that would read as an encoded-word', () => {
    const parsed = { ...parseAddress('j@example.com', 'to'), displayName: 'a =?x?q?y?= b' };
    expect(formatAddress(parsed)).toBe(`${encodeRfc2047('a =?x?q?y?= b')} <j@example.com>`);
  });

  it('unicode: keeps the name and domain as is, quoting specials', () => {
    const parsed = parseAddress('"Müller, Jörg" <jörg@bücher.example>', 'to');
    expect(formatAddress(parsed, { encoding: 'unicode' })).toBe('"Müller, Jörg" <jörg@bücher.example>');
  });

  it('round-trips through parseAddress in both encodings', () => {
    for (const input of ['"Doe, John" <j@example.com>', 'Zoë (x) <z@例え.jp>', '"a \\"b\\"" <c@example.com>']) {
      const parsed = parseAddress(input, 'to');
      for (const encoding of ['rfc2047', 'unicode'] as const) {
        const again = parseAddress(formatAddress(parsed, { encoding }), 'to');
        expect(again.displayName).toBe(parsed.displayName);
      }
    }
  });
});

describe('RFC 2047 helpers', () => {
  it('encodeRfc2047 keeps each encoded-word within 75 characters and never splits a code point', () => {
    const name = 'Ünïcødé 名前 🙂'.repeat(8);
    const encoded = encodeRfc2047(name);
    const words = encoded.split(' ');
    expect(words.length).toBeGreaterThan(1);
    for (const word of words) {
      expect(word.length).toBeLessThanOrEqual(75);
      const base64 = /^=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=$/.exec(word)![1]!;
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(base64, 'base64'))).not.toThrow();
    }
    expect(decodeRfc2047(encoded.replace(/\?= =\?/g, '?==?'))).toBe(name);
  });

  it('decodeRfc2047 leaves plain text untouched and decodes underscores in Q as spaces', () => {
    expect(decodeRfc2047('plain text')).toBe('plain text');
    expect(decodeRfc2047('=?utf-8?Q?a_b=3Dc?=')).toBe('a b=c');
  });
});
