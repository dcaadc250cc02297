import { assertHeaderValue, assertNoHeaderInjection, EmailMessage } from '@anymail/core';
import type { NormalizedAttachment } from './outbox-attachments.js';
import type { OutboxEspOptions } from './outbox-esp-options.js';

export interface OutboxHeaderFields {
  sender: string | undefined;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  headers: Record<string, string>;
  attachments: readonly NormalizedAttachment[];
  espOptions: OutboxEspOptions | undefined;
}

/**
 * Refuse header injection when an email is queued, with core's one check (the one every
 * backend runs before sending), so a bad value is never stored for later delivery: control
 * characters in the subject, addresses (encoded-word names decoded), headers, attachment
 * names and types, tags, metadata and merge headers. ESP-specific espExtra header fields are
 * checked by the delivering ESP backend. Throws BadHeaderError / AnymailInvalidAddress.
 */
export function assertOutboxHeaders(fields: OutboxHeaderFields): void {
  const { espOptions } = fields;
  const message = new EmailMessage({
    from: fields.sender || undefined,
    to: fields.to,
    cc: fields.cc,
    bcc: fields.bcc,
    subject: fields.subject,
    headers: fields.headers,
    tags: espOptions?.tags,
    metadata: espOptions?.metadata,
    mergeHeaders: espOptions?.mergeHeaders,
    mergeMetadata: espOptions?.mergeMetadata,
  });
  assertNoHeaderInjection(message);
  fields.attachments.forEach((attachment, index) => {
    assertHeaderValue(`attachments[${index}].name`, attachment.name);
    assertHeaderValue(`attachments[${index}].mimetype`, attachment.mimetype);
    for (const [name, value] of Object.entries(attachment.headers)) assertHeaderValue(`attachments[${index}].headers[${JSON.stringify(name)}]`, value);
  });
}
