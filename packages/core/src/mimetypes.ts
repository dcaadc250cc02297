/** File-name extension → MIME type, for attachments whose type is not given. */
const byExtension: Record<string, string> = {
  txt: 'text/plain', text: 'text/plain', csv: 'text/csv', tsv: 'text/tab-separated-values', htm: 'text/html', html: 'text/html',
  css: 'text/css', ics: 'text/calendar', vcf: 'text/vcard', md: 'text/markdown', xml: 'text/xml', eml: 'message/rfc822',
  js: 'text/javascript', mjs: 'text/javascript', json: 'application/json', pdf: 'application/pdf', zip: 'application/zip',
  gz: 'application/gzip', tar: 'application/x-tar', rtf: 'application/rtf', doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', odt: 'application/vnd.oasis.opendocument.text',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml',
  bmp: 'image/bmp', ico: 'image/vnd.microsoft.icon', tif: 'image/tiff', tiff: 'image/tiff', heic: 'image/heic', avif: 'image/avif',
  mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm',
  woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf',
};

export const DEFAULT_ATTACHMENT_MIMETYPE = 'application/octet-stream';

/** Guess a MIME type from a file name; undefined when the extension is not known. */
export function guessMimetype(filename: string | undefined): string | undefined {
  if (!filename) return undefined;
  const match = /\.([A-Za-z0-9]+)$/.exec(filename);
  return match ? byExtension[match[1]!.toLowerCase()] : undefined;
}

/** MIME type → the usual extension: the first one listed above (jpg before jpeg, txt before text), except html. */
const byType: Record<string, string> = { 'text/html': 'html' };
for (const [extension, type] of Object.entries(byExtension)) byType[type] ??= extension;

/**
 * Guess a file-name extension (without the dot) from a MIME type, parameters ignored; undefined
 * when the type is not known. For ESPs that require a filename and derive the type from it (MailerSend).
 */
export function guessExtension(mimetype: string | undefined): string | undefined {
  if (!mimetype) return undefined;
  return byType[mimetype.split(';')[0]!.trim().toLowerCase()];
}
