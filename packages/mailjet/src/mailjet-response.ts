import {
  AnymailAPIError,
  AnymailStatus,
  classifyHttpStatus,
  jsonResponse,
  recipientStatusMap,
  type EspRequest,
  type EspResponse,
  type RecipientStatus,
} from '@anymail/core/esp';
import { z } from 'zod';
import { categoryOfErrors, describeErrors, mailjetErrorCode, mailjetErrorSchema, type MailjetError } from './mailjet-errors.js';
import type { MailjetEntryRecipients, MailjetRequestContext } from './mailjet-payload.js';

const ESP_NAME = 'Mailjet';

/** A MessageID: a string when it exceeds 2^53 (the lossless parser), else a number. */
const messageIdSchema = z.union([z.string(), z.number()]);

const recipientResultSchema = z.object({
  Email: z.string(),
  MessageUUID: z.string().nullish(),
  MessageID: messageIdSchema.nullish(),
  MessageHref: z.string().nullish(),
});

/** One entry of the answer's `Messages`, in request order. */
export const mailjetMessageResultSchema = z.object({
  Status: z.string(),
  CustomID: z.string().nullish(),
  To: z.array(recipientResultSchema).nullish(),
  Cc: z.array(recipientResultSchema).nullish(),
  Bcc: z.array(recipientResultSchema).nullish(),
  Errors: z.array(mailjetErrorSchema).nullish(),
});
export type MailjetMessageResult = z.infer<typeof mailjetMessageResultSchema>;

/** The Send API v3.1 answer: `{Messages: [...]}`, for HTTP 200 and for a 4xx where some messages failed. */
export const mailjetSendResponseSchema = z.object({ Messages: z.array(mailjetMessageResultSchema) });
export type MailjetSendResponse = z.infer<typeof mailjetSendResponseSchema>;

/** An id as exact digits; 0 (sandbox mode) and missing ids are null. */
function idOf(value: string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : null) : value;
  return text === null || text === '' || /^0+$/.test(text) ? null : text;
}

function every(recipients: MailjetEntryRecipients, status: RecipientStatus['status']): Record<string, RecipientStatus> {
  const result = recipientStatusMap();
  for (const address of [...recipients.to, ...recipients.cc, ...recipients.bcc]) result[address] = { status, messageId: null };
  return result;
}

/** What one entry's result says: per-recipient statuses, or errors that are not about recipients. */
export type EntryReading = { recipients: Record<string, RecipientStatus> } | { errors: MailjetError[] };

const RECIPIENT_FIELD = /^(To|Cc|Bcc)\[(\d+)\]\.Email$/;

/**
 * Status is earned: a success entry gives each listed recipient `sent` with its own MessageID (`queued`
 * without one in sandbox mode); recipients of ours it doesn't list stay `unknown`. An error entry whose
 * every error is mj-0013 (invalid address) on a To/Cc/Bcc address marks those recipients `invalid` and
 * the rest `failed` (the entry was refused whole); any other error entry is a failure.
 */
export function readEntry(result: MailjetMessageResult, recipients: MailjetEntryRecipients): EntryReading {
  if (result.Status.toLowerCase() === 'success') {
    const statuses = every(recipients, 'unknown');
    const byLowerCase = new Map(Object.keys(statuses).map((address) => [address.toLowerCase(), address]));
    for (const item of [...(result.To ?? []), ...(result.Cc ?? []), ...(result.Bcc ?? [])]) {
      const messageId = idOf(item.MessageID);
      const key = byLowerCase.get(item.Email.toLowerCase()) ?? item.Email;
      statuses[key] = { status: messageId === null ? 'queued' : 'sent', messageId };
    }
    return { recipients: statuses };
  }
  const errors = result.Errors ?? [];
  const invalid = errors.map((error) => (error.ErrorCode === 'mj-0013' ? recipientOf(error, recipients) : undefined));
  if (errors.length > 0 && invalid.every((address) => address !== undefined)) {
    const statuses = every(recipients, 'failed');
    for (const address of invalid) statuses[address!] = { status: 'invalid', messageId: null };
    return { recipients: statuses };
  }
  return { errors };
}

/** The address an mj-0013 error names through `ErrorRelatedTo` (`To[0].Email`), if exactly one. */
function recipientOf(error: MailjetError, recipients: MailjetEntryRecipients): string | undefined {
  const related = error.ErrorRelatedTo ?? [];
  if (related.length !== 1) return undefined;
  const match = RECIPIENT_FIELD.exec(related[0]!);
  if (!match) return undefined;
  const list = recipients[match[1]!.toLowerCase() as 'to' | 'cc' | 'bcc'];
  return list[Number(match[2])];
}

/** AnymailAPIError for a message Mailjet refused, with every error Mailjet gave. */
export function refusedError(errors: readonly MailjetError[], answer: EspResponse): AnymailAPIError {
  const first = errors[0];
  const fallback = classifyHttpStatus(first?.StatusCode ?? (answer.statusCode >= 400 ? answer.statusCode : 400));
  return new AnymailAPIError(`Mailjet refused the message (HTTP ${answer.statusCode}): ${describeErrors(errors)}`, {
    code: first?.ErrorCode ? mailjetErrorCode(first.ErrorCode) : 'ANYMAIL_API_ERROR',
    category: categoryOfErrors(errors, fallback),
    statusCode: answer.statusCode,
    responseBody: answer.text(),
    espName: ESP_NAME,
    deliveryUnknown: false,
  });
}

/**
 * The status of one Anymail message from its entries' results (one, or one per `to` for a merge
 * send). Raises when none of its entries went out for a reason other than its recipients; when only
 * some failed, their recipients are `failed` (the others were sent: Mailjet handles entries one by one).
 */
export function statusOfMessage(
  results: readonly MailjetMessageResult[],
  recipients: readonly MailjetEntryRecipients[],
  answer: EspResponse,
): AnymailStatus {
  if (results.length !== recipients.length) {
    throw new AnymailAPIError(`Mailjet answered ${results.length} results for ${recipients.length} messages`, {
      code: 'ANYMAIL_BAD_RESPONSE',
      category: 'server',
      statusCode: answer.statusCode,
      responseBody: answer.text(),
      espName: ESP_NAME,
      deliveryUnknown: true,
    });
  }
  const statuses = recipientStatusMap();
  const failures: MailjetError[][] = [];
  results.forEach((result, index) => {
    const reading = readEntry(result, recipients[index]!);
    if ('errors' in reading) {
      failures.push(reading.errors);
      Object.assign(statuses, every(recipients[index]!, 'failed'));
    } else Object.assign(statuses, reading.recipients);
  });
  if (failures.length === results.length) throw refusedError(failures[0]!, answer);
  const status = new AnymailStatus().setRecipientStatus(statuses);
  status.espResponse = results.length === 1 ? results[0] : results;
  return status;
}

/**
 * The answer → the message's status. Parsed losslessly: MessageIDs beyond 2^53 keep their exact
 * digits (as strings). Also reads the 4xx answers `mailjetErrors` accepts (some messages failed).
 */
export const mailjetResponse = jsonResponse(
  mailjetSendResponseSchema,
  (body, response, request: EspRequest<MailjetRequestContext>) => statusOfMessage(body.Messages, request.context.entries, response),
  { largeIntegers: 'string' },
);
