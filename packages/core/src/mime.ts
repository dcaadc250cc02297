// TODO(#2): the MIME helper replaces this with nodemailer's composer.
import type { EmailMessage } from './message.js';

export async function buildMime(message: EmailMessage): Promise<Uint8Array> {
  const text = `Subject: ${message.subject}\r\nFrom: ${message.from ?? ''}\r\nTo: ${message.to.join(', ')}\r\n\r\n${message.body}`;
  return new TextEncoder().encode(text);
}
