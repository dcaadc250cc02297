// espExtra for SendGrid: the schema (Mail Send field names, in sendgrid-types.ts) and the header checks.
export { sendGridEspExtraSchema, type SendGridEspExtra, type SendGridEspExtraParsed } from './sendgrid-types.js';
// espExtra fields SendGrid writes into header lines, checked with core's one rule for header
// values (issue #13): the Mail Send body is deep-merged from espExtra, so these bypass the
// message's own pre-send check.
import { assertAddressHeader, assertHeaders, assertHeaderValue } from '@anymail/core';
import type { SendGridAddress, SendGridEspExtra } from './sendgrid-types.js';

function assertAddress(field: string, address: SendGridAddress | undefined): void {
  if (address === undefined) return;
  assertAddressHeader(`${field}.email`, address.email);
  assertHeaderValue(`${field}.name`, address.name);
}

function assertValues(field: string, record: Record<string, string> | undefined): void {
  for (const [key, value] of Object.entries(record ?? {})) {
    assertHeaderValue(`${field} key`, key);
    assertHeaderValue(`${field}[${JSON.stringify(key)}]`, value);
  }
}

/** Throw BadHeaderError / AnymailInvalidAddress when a header-bound espExtra field holds a line break or control character. */
export function assertSendGridExtraHeaders(extra: SendGridEspExtra): void {
  const where = 'SendGrid espExtra';
  assertAddress(`${where}.from`, extra.from);
  assertAddress(`${where}.reply_to`, extra.reply_to);
  extra.reply_to_list?.forEach((address, index) => assertAddress(`${where}.reply_to_list[${index}]`, address));
  assertHeaderValue(`${where}.subject`, extra.subject);
  assertHeaders(extra.headers, `${where}.headers`);
  extra.categories?.forEach((category, index) => assertHeaderValue(`${where}.categories[${index}]`, category));
  // custom_args travel in SendGrid's X-SMTPAPI header.
  assertValues(`${where}.custom_args`, extra.custom_args);
  extra.attachments?.forEach((attachment, index) => {
    assertHeaderValue(`${where}.attachments[${index}].filename`, attachment.filename);
    assertHeaderValue(`${where}.attachments[${index}].type`, attachment.type);
    assertHeaderValue(`${where}.attachments[${index}].content_id`, attachment.content_id);
  });
  const each = extra.personalizations;
  if (each) {
    assertAddress(`${where}.personalizations.from`, each.from);
    assertHeaderValue(`${where}.personalizations.subject`, each.subject);
    assertHeaders(each.headers, `${where}.personalizations.headers`);
    assertValues(`${where}.personalizations.custom_args`, each.custom_args);
  }
}
