import { randomBytes } from 'node:crypto';

/** A file part of a multipart/form-data body. */
export interface FormFile {
  /** Form field name: 'attachment' or 'inline' for Mailgun. */
  field: string;
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface EncodedForm {
  contentType: string;
  body: string | Uint8Array;
}

const CRLF = '\r\n';

const ESCAPES: Record<string, string> = { '"': '%22', '\r': '%0D', '\n': '%0A' };

/**
 * A field or file name as the WHATWG multipart/form-data encoder writes it (what RFC 7578 §4.2
 * describes): `"`, CR and LF percent-encoded, nothing backslash-escaped (undici's parser refuses
 * `\"`). Parsers that follow WHATWG decode those three escapes, so a `%` that already starts one
 * of them is written `%25`: a literal `%0d%0a` in a file name can't come back as a line break,
 * and a parser that undoes every percent-escape still gets the exact name.
 */
function quote(value: string): string {
  return `"${value.replace(/%(?=0a|0d|22)/gi, '%25').replace(/["\r\n]/g, (c) => ESCAPES[c]!)}"`;
}

function containsBoundary(parts: readonly Uint8Array[], boundary: Buffer): boolean {
  return parts.some((part) => Buffer.from(part.buffer, part.byteOffset, part.byteLength).indexOf(boundary) !== -1);
}

/**
 * Encode form fields and files as multipart/form-data (RFC 7578). Field values are UTF-8;
 * repeated names stay repeated, in order.
 */
export function encodeMultipart(fields: ReadonlyArray<readonly [string, string]>, files: readonly FormFile[]): EncodedForm {
  const contents = files.map((file) => file.content);
  let boundary = `anymail-${randomBytes(12).toString('hex')}`;
  // The boundary must not occur in any part; with 96 random bits this loop runs once.
  while (containsBoundary(contents, Buffer.from(boundary)) || fields.some(([, value]) => value.includes(boundary))) {
    boundary = `anymail-${randomBytes(12).toString('hex')}`;
  }
  const chunks: Buffer[] = [];
  let text = '';
  for (const [name, value] of fields) {
    text += `--${boundary}${CRLF}Content-Disposition: form-data; name=${quote(name)}${CRLF}${CRLF}${value}${CRLF}`;
  }
  for (const file of files) {
    text +=
      `--${boundary}${CRLF}Content-Disposition: form-data; name=${quote(file.field)}; filename=${quote(file.filename)}${CRLF}` +
      `Content-Type: ${file.contentType.replace(/[\r\n]+/g, ' ')}${CRLF}${CRLF}`;
    chunks.push(Buffer.from(text, 'utf8'), Buffer.from(file.content.buffer, file.content.byteOffset, file.content.byteLength));
    text = CRLF;
  }
  text += `--${boundary}--${CRLF}`;
  chunks.push(Buffer.from(text, 'utf8'));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
}

/** Encode form fields as application/x-www-form-urlencoded (no files). */
export function encodeUrlencoded(fields: ReadonlyArray<readonly [string, string]>): EncodedForm {
  // encodeURIComponent leaves only A-Z a-z 0-9 - _ . ! ~ * ' ( ) unescaped, all of which a form
  // decoder reads as themselves; it is about twice as fast as URLSearchParams here.
  let body = '';
  try {
    for (const [name, value] of fields) body += `${body === '' ? '' : '&'}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  } catch {
    // A lone surrogate (URIError): URLSearchParams writes it as U+FFFD instead.
    body = new URLSearchParams(fields.map(([name, value]): [string, string] => [name, value])).toString();
  }
  return { contentType: 'application/x-www-form-urlencoded', body };
}
