import { BadHeaderError } from './errors.js';
import type { EmailMessage } from './message.js';

const LINE_BREAK = /[\r\n]/;
const HEADER_NAME = /^[!-9;-~]+$/; // RFC 5322 ftext: printable ASCII except ':'

/** Throw BadHeaderError when a header-bound value holds CR or LF. */
export function assertHeaderValue(field: string, value: string | undefined): void {
  if (value !== undefined && LINE_BREAK.test(value)) {
    throw new BadHeaderError(
      `Header values can't contain newlines (got ${JSON.stringify(value.slice(0, 80))} for ${field}). Remove the CR/LF characters.`,
    );
  }
}

export function assertHeaderName(name: string): void {
  if (!HEADER_NAME.test(name)) {
    throw new BadHeaderError(
      `Invalid header name ${JSON.stringify(name.slice(0, 80))}: use printable ASCII without spaces, colons or newlines.`,
    );
  }
}

export function assertHeaders(headers: Record<string, string> | undefined, field = 'headers'): void {
  if (!headers) return;
  for (const [name, value] of Object.entries(headers)) {
    assertHeaderName(name);
    assertHeaderValue(`${field}[${JSON.stringify(name)}]`, String(value));
  }
}

/**
 * Refuse header injection before anything is sent: CR or LF in the subject, any address
 * field, any header name or value, or an attachment's filename, type or Content-ID (all of
 * which become MIME part headers).
 */
export function assertNoHeaderInjection(message: EmailMessage): void {
  assertHeaderValue('subject', message.subject);
  assertHeaderValue('from', message.from);
  assertHeaderValue('envelopeSender', message.envelopeSender);
  for (const field of ['to', 'cc', 'bcc', 'replyTo'] as const) {
    for (const value of message[field]) assertHeaderValue(field, value);
  }
  assertHeaders(message.headers);
  message.attachments.forEach((attachment, index) => {
    assertHeaderValue(`attachments[${index}].filename`, attachment.filename);
    assertHeaderValue(`attachments[${index}].mimetype`, attachment.mimetype);
    assertHeaderValue(`attachments[${index}].contentId`, attachment.contentId);
  });
  message.alternatives.forEach((alternative, index) => {
    assertHeaderValue(`alternatives[${index}].mimetype`, alternative.mimetype);
  });
  for (const [recipient, headers] of Object.entries(message.mergeHeaders ?? {})) {
    assertHeaders(headers, `mergeHeaders[${JSON.stringify(recipient)}]`);
  }
}
