import {
  AnymailStatus,
  EspResponseShapeError,
  readJsonBody,
  recipientStatusMap,
  type EspRequest,
  type EspResponse,
  type RecipientStatus,
} from '@anymail/core/esp';
import { z } from 'zod';
import type { MailerSendRecipients, MailerSendRequestContext } from './mailersend-payload.js';

/**
 * `POST /v1/email` answers 202 with an empty body when all is well, or with warnings about
 * suppressed recipients (still 202):
 *   {"message": "There are some warnings for your request.", "warnings": [{"type": "SOME_SUPPRESSED",
 *    "warning": "…", "recipients": [{"email": "…", "name": null, "reasons": ["hard_bounced"]}]}]}
 * With ALL_SUPPRESSED nothing is sent and there is no `x-message-id`.
 * (www.mailersend.com/help/rest-api-response-codes)
 */
export const mailerSendWarningsSchema = z.looseObject({
  message: z.string().nullish(),
  warnings: z
    .array(
      z.looseObject({
        type: z.string(),
        warning: z.string().nullish(),
        recipients: z.array(z.looseObject({ email: z.string(), reasons: z.array(z.string()).nullish() })).nullish(),
      }),
    )
    .nullish(),
});
export type MailerSendWarnings = z.infer<typeof mailerSendWarningsSchema>;

/** `POST /v1/bulk-email` answers 202 `{"message": "The bulk email is being processed.", "bulk_email_id": "…"}`. */
export const mailerSendBulkSchema = z.looseObject({ message: z.string().nullish(), bulk_email_id: z.string().min(1) });

/** What `status.espResponse` holds for MailerSend: the answer's headers (`x-message-id`, `x-send-paused`, quota) and body. */
export interface MailerSendEspResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

const SUPPRESSION_WARNINGS = new Set(['SOME_SUPPRESSED', 'ALL_SUPPRESSED']);

function every(recipients: readonly MailerSendRecipients[], status: RecipientStatus): Record<string, RecipientStatus> {
  const map = recipientStatusMap();
  for (const message of recipients) for (const address of [...message.to, ...message.cc, ...message.bcc]) map[address] = { ...status };
  return map;
}

/** Read a bulk answer once: its `bulk_email_id` and what `status.espResponse` holds. */
export function readBulkAnswer(response: EspResponse): { bulkEmailId: string; espResponse: MailerSendEspResponse } {
  const body = readJsonBody(response, mailerSendBulkSchema);
  return { bulkEmailId: body.bulk_email_id, espResponse: { statusCode: response.statusCode, headers: response.headers, body } };
}

/** The recipients of a bulk-sent message: all `queued` under `bulk:<bulk_email_id>` (MailerSend reports refusals only later). */
export function bulkStatus(recipients: readonly MailerSendRecipients[], bulkEmailId: string, espResponse: MailerSendEspResponse): AnymailStatus {
  const addresses = recipients.flatMap((message) => [...message.to, ...message.cc, ...message.bcc]);
  return AnymailStatus.forAll(addresses, 'queued', `bulk:${bulkEmailId}`, espResponse);
}

/**
 * A single-message answer: `queued` under the `x-message-id` header, except the recipients a
 * suppression warning names (`rejected`, no id). No id and no ALL_SUPPRESSED is an answer
 * Anymail can't read (delivery unknown).
 */
export function emailStatus(response: EspResponse, recipients: MailerSendRecipients): AnymailStatus {
  const text = response.text().trim();
  const body: MailerSendWarnings = text === '' ? {} : readJsonBody(response, mailerSendWarningsSchema);
  const messageId = response.headers['x-message-id'] || null;
  const warnings = body.warnings ?? [];
  const suppressed = new Set(
    warnings
      .filter((warning) => SUPPRESSION_WARNINGS.has(warning.type))
      .flatMap((warning) => (warning.recipients ?? []).map((recipient) => recipient.email.toLowerCase())),
  );
  const allSuppressed = warnings.some((warning) => warning.type === 'ALL_SUPPRESSED');
  if (messageId === null && !allSuppressed) throw new EspResponseShapeError('a 2xx answer with neither an x-message-id header nor an ALL_SUPPRESSED warning');
  const map = every([recipients], { status: 'queued', messageId });
  for (const address of Object.keys(map)) {
    if (allSuppressed || suppressed.has(address.toLowerCase())) map[address] = { status: 'rejected', messageId: null };
  }
  const status = new AnymailStatus().setRecipientStatus(map);
  status.espResponse = { statusCode: response.statusCode, headers: response.headers, body: text === '' ? undefined : body } satisfies MailerSendEspResponse;
  return status;
}

/** A 2xx answer → the status, read according to the endpoint the request went to. */
export function mailerSendResponse(response: EspResponse, request: EspRequest<MailerSendRequestContext>): AnymailStatus {
  const { endpoint, messages } = request.context;
  if (endpoint === 'email') return emailStatus(response, messages[0]!);
  const { bulkEmailId, espResponse } = readBulkAnswer(response);
  return bulkStatus(messages, bulkEmailId, espResponse);
}
