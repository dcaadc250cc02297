import {
  AnymailAPIError,
  AnymailStatus,
  EspResponseShapeError,
  classifyHttpStatus,
  jsonResponse,
  readJsonBody,
  recipientStatusMap,
  type EspRequest,
  type EspResponse,
  type RecipientStatus,
} from '@anymail/core/esp';
import { z } from 'zod';
import { invalidRecipientField, postmarkErrorCategory, postmarkErrorCode } from './postmark-errors.js';
import type { PostmarkRecipients, PostmarkRequestContext } from './postmark-payload.js';

/** One send result: the whole body of `email`, or one entry of a batch answer. */
export const postmarkResultSchema = z
  .object({
    ErrorCode: z.number().int().nullish(),
    Message: z.string().nullish(),
    MessageID: z.string().nullish(),
    SubmittedAt: z.string().nullish(),
    To: z.string().nullish(),
  })
  .refine((result) => typeof result.ErrorCode === 'number' || typeof result.MessageID === 'string', {
    message: 'neither ErrorCode nor MessageID',
  });
export type PostmarkResult = z.infer<typeof postmarkResultSchema>;

export const postmarkBatchSchema = z.array(postmarkResultSchema);

/** A batch answer: an array of results. A single error object (e.g. 410 too many messages) raises. */
export function readBatchResults(response: EspResponse): PostmarkResult[] {
  const body = response.json();
  if (!Array.isArray(body)) {
    const single = postmarkResultSchema.safeParse(body);
    if (single.success && single.data.ErrorCode) throw postmarkResultError(single.data, response);
  }
  return readJsonBody(response, postmarkBatchSchema);
}

/**
 * The addresses Postmark names as inactive (suppressed), lower-cased. Postmark says so only in prose:
 *   "Message OK, but will not deliver to these inactive addresses: a@example.com, b@example.com."
 *   "You tried to send to a recipient that has been marked as inactive. Found inactive addresses:
 *    example@example.com. Inactive recipients are ones that have generated a hard bounce, ..."
 */
export function inactiveAddresses(message: string): string[] {
  const start = message.search(/inactive addresses:/i);
  if (start < 0) return [];
  const list = message.slice(start + 'inactive addresses:'.length).split(/Inactive recipients/i)[0]!;
  return list
    .split(/[,\s]+/)
    .map((item) => item.replace(/\.+$/, '').toLowerCase())
    .filter((item) => item.includes('@'));
}

/** What one result says: per-recipient statuses, or a failure that is not about recipients. */
export type ResultReading = { recipients: Record<string, RecipientStatus> } | { failure: PostmarkResult };

function every(recipients: PostmarkRecipients, status: RecipientStatus['status'], messageId: string | null): Record<string, RecipientStatus> {
  const result = recipientStatusMap();
  for (const address of [...recipients.to, ...recipients.cc, ...recipients.bcc]) result[address] = { status, messageId };
  return result;
}

/** Status is earned: each recipient's status comes from what this result says about it. */
export function readResult(result: PostmarkResult, recipients: PostmarkRecipients): ResultReading {
  const code = result.ErrorCode;
  const text = result.Message ?? '';
  if (code === 0 || (code == null && result.MessageID)) {
    // No ErrorCode at all: "Message accepted, but delivery may be delayed." → queued, not sent.
    const statuses = every(recipients, code == null ? 'queued' : 'sent', result.MessageID ?? null);
    for (const address of inactiveAddresses(text)) {
      for (const key of Object.keys(statuses)) if (key.toLowerCase() === address) statuses[key] = { status: 'rejected', messageId: null };
    }
    return { recipients: statuses };
  }
  if (code === 406) {
    const named = new Set(inactiveAddresses(text));
    // Postmark may still deliver to recipients it does not name: unknown, not failed.
    const statuses = every(recipients, named.size === 0 ? 'rejected' : 'unknown', null);
    for (const key of Object.keys(statuses)) if (named.has(key.toLowerCase())) statuses[key] = { status: 'rejected', messageId: null };
    return { recipients: statuses };
  }
  if (code === 300) {
    const complaint = invalidRecipientField(text);
    if (complaint) {
      const fieldRecipients = recipients[complaint.field];
      let invalid = fieldRecipients.filter((address) => complaint.quoted.includes(address.toLowerCase()));
      if (invalid.length === 0 && fieldRecipients.length === 1) invalid = fieldRecipients;
      if (invalid.length > 0) {
        // The message was refused as a whole: the others were not sent either.
        const statuses = every(recipients, 'failed', null);
        for (const address of invalid) statuses[address] = { status: 'invalid', messageId: null };
        return { recipients: statuses };
      }
    }
  }
  return { failure: result };
}

/** AnymailAPIError for a result Postmark refused, with Postmark's own message. */
export function postmarkResultError(result: PostmarkResult, response: EspResponse): AnymailAPIError {
  const code = result.ErrorCode ?? -1;
  return new AnymailAPIError(`Postmark API response ${response.statusCode}: ${result.Message ?? '(no message)'} (ErrorCode ${code})`, {
    code: postmarkErrorCode(code),
    category: postmarkErrorCategory(code, response.statusCode >= 400 ? classifyHttpStatus(response.statusCode) : 'invalid-request'),
    statusCode: response.statusCode,
    responseBody: response.text(),
    espName: 'Postmark',
    deliveryUnknown: false,
  });
}

/**
 * The status of one Anymail message sent as one or more Postmark messages. Raises when no
 * Postmark message went out for a reason other than its recipients.
 */
export function statusFromResults(
  results: readonly PostmarkResult[],
  messages: readonly PostmarkRecipients[],
  response: EspResponse,
  espResponse: unknown,
): AnymailStatus {
  if (results.length !== messages.length) {
    throw new AnymailAPIError(`Postmark answered ${results.length} results for ${messages.length} messages`, {
      code: 'ANYMAIL_BAD_RESPONSE',
      category: 'server',
      statusCode: response.statusCode,
      responseBody: response.text(),
      espName: 'Postmark',
      deliveryUnknown: true,
    });
  }
  const recipients = recipientStatusMap();
  let failures = 0;
  results.forEach((result, index) => {
    const reading = readResult(result, messages[index]!);
    if ('failure' in reading) {
      failures++;
      Object.assign(recipients, every(messages[index]!, 'failed', null));
    } else Object.assign(recipients, reading.recipients);
  });
  if (failures === results.length) throw postmarkResultError(results[0]!, response);
  const status = new AnymailStatus().setRecipientStatus(recipients);
  status.espResponse = espResponse;
  return status;
}

/** The status of one part of a combined `email/batch` request: failures become `failed`, never raise. */
export function statusFromBatchEntry(result: PostmarkResult, recipients: PostmarkRecipients): AnymailStatus {
  const reading = readResult(result, recipients);
  const status = new AnymailStatus().setRecipientStatus('failure' in reading ? every(recipients, 'failed', null) : reading.recipients);
  status.espResponse = result;
  return status;
}

const isBatch = (context: PostmarkRequestContext): boolean => context.endpoint === 'email/batch' || context.endpoint === 'email/batchWithTemplates';

/** A 2xx answer (or a 422 about recipients) → the status, from the endpoint the request went to. */
export const postmarkResponse = jsonResponse(
  z.union([postmarkBatchSchema, postmarkResultSchema]),
  (body, response, request: EspRequest<PostmarkRequestContext>) => {
    const { messages } = request.context;
    if (isBatch(request.context)) {
      if (Array.isArray(body)) return statusFromResults(body, messages, response, body);
      if (body.ErrorCode) throw postmarkResultError(body, response);
      throw new EspResponseShapeError('a batch answer that is not an array of results');
    }
    if (Array.isArray(body)) throw new EspResponseShapeError('an array of results for a single message');
    return statusFromResults([body], messages, response, body);
  },
);
