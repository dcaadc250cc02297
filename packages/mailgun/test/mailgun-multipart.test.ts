import { describe, expect, it } from 'vitest';
import { encodeMultipart, encodeUrlencoded } from '../src/mailgun-multipart.js';

async function parse(encoded: { contentType: string; body: string | Uint8Array }): Promise<FormData> {
  return new Response(encoded.body as ConstructorParameters<typeof Response>[0], { headers: { 'content-type': encoded.contentType } }).formData();
}

describe('Mailgun form encoding', () => {
  it('encodes repeated fields and binary files as multipart/form-data a standard parser reads back', async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    const encoded = encodeMultipart(
      [['to', 'a@example.com'], ['to', 'b@example.com'], ['text', 'Zoë ⚡ line1\r\nline2']],
      [{ field: 'attachment', filename: 'all-bytes.bin', contentType: 'application/octet-stream', content: bytes }],
    );
    expect(encoded.body).toBeInstanceOf(Uint8Array);
    const form = await parse(encoded);
    expect(form.getAll('to')).toEqual(['a@example.com', 'b@example.com']);
    expect(form.get('text')).toBe('Zoë ⚡ line1\r\nline2');
    const file = form.get('attachment') as File;
    expect(file.name).toBe('all-bytes.bin');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
  });

  // Issue #13 item 10: names are encoded as the WHATWG multipart/form-data encoder (and RFC 7578)
  // does: '"', CR and LF percent-encoded, never backslash-escaped (undici's parser rejected that).
  it('percent-encodes quotes and line breaks in file names as the WHATWG form encoder does', async () => {
    const filename = 'a"b\\c\r\nContent-Type: text/html';
    const encoded = encodeMultipart([], [{ field: 'inline', filename, contentType: 'image/png', content: new Uint8Array([1]) }]);
    const text = Buffer.from(encoded.body as Uint8Array).toString('latin1');
    expect(text).toContain('name="inline"; filename="a%22b\\c%0D%0AContent-Type: text/html"\r\nContent-Type: image/png\r\n');
    const file = (await parse(encoded)).get('inline') as File;
    expect(file.name).toBe(filename);
    expect(file.type).toBe('image/png');
  });

  it('reads back through undici the same as a FormData undici encodes itself', async () => {
    const filename = 'quote " and \\ back\\slash "x".txt';
    const form = new FormData();
    form.append('attachment', new Blob([new Uint8Array([1])], { type: 'text/plain' }), filename);
    const native = await new Response(form).formData();
    const ours = await parse(encodeMultipart([], [{ field: 'attachment', filename, contentType: 'text/plain', content: new Uint8Array([1]) }]));
    expect((ours.get('attachment') as File).name).toBe((native.get('attachment') as File).name);
    expect((ours.get('attachment') as File).name).toBe(filename);
  });

  it.each(['x%0d%0aBcc: evil@attacker.test.txt', 'x%0D%0A.txt', 'x%22.txt', 'x%0a.txt'])(
    'a literal %s in a file name never reads back as a line break or quote',
    async (filename) => {
      const encoded = encodeMultipart([], [{ field: 'attachment', filename, contentType: 'text/plain', content: new Uint8Array([1]) }]);
      const header = Buffer.from(encoded.body as Uint8Array).toString('latin1').split('\r\n')[1]!;
      expect(header).toMatch(/^Content-Disposition: form-data; name="attachment"; filename="[^"\r\n]*"$/);
      const name = ((await parse(encoded)).get('attachment') as File).name;
      expect(name).not.toMatch(/[\r\n"]/);
      // A parser that undoes every percent-escape gets the name exactly as given.
      expect(decodeURIComponent(header.slice(header.indexOf('filename="') + 10, -1))).toBe(filename);
    },
  );

  it('keeps non-ASCII file names as UTF-8', async () => {
    const form = await parse(encodeMultipart([], [{ field: 'attachment', filename: 'résumé.pdf', contentType: 'application/pdf', content: new Uint8Array([37]) }]));
    expect((form.get('attachment') as File).name).toBe('résumé.pdf');
  });

  it('picks a boundary that occurs in no part', () => {
    const encoded = encodeMultipart([['text', 'x']], []);
    const boundary = encoded.contentType.split('boundary=')[1]!;
    expect(boundary).toMatch(/^anymail-[0-9a-f]{24}$/);
    const again = encodeMultipart([['text', `--${boundary}`]], []);
    expect(again.contentType).not.toBe(encoded.contentType);
  });

  it('encodes fields without files as application/x-www-form-urlencoded', () => {
    const encoded = encodeUrlencoded([['to', 'a+b@example.com'], ['h:X-A', 'x&y=z'], ['to', 'c@example.com']]);
    expect(encoded.contentType).toBe('application/x-www-form-urlencoded');
    const params = new URLSearchParams(encoded.body as string);
    expect(params.getAll('to')).toEqual(['a+b@example.com', 'c@example.com']);
    expect(params.get('h:X-A')).toBe('x&y=z');
  });

  it('round-trips every kind of character through urlencoding', () => {
    const value = "sp ace+plus%pct&amp=eq é ⚡ \r\n !'()*~ \u{1F600}";
    const params = new URLSearchParams(encodeUrlencoded([['v:odd key', value]]).body as string);
    expect(params.get('v:odd key')).toBe(value);
  });

  it('writes a lone surrogate as U+FFFD instead of throwing', () => {
    const params = new URLSearchParams(encodeUrlencoded([['text', 'a\uD800b']]).body as string);
    expect(params.get('text')).toBe('a\uFFFDb');
  });
});
