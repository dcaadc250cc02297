import { AnymailStatus, jsonResponse, type SendStatusName } from '@anymail/core/esp';
import { z } from 'zod';
import { sparkPostErrorBodySchema, type SparkPostErrorBody } from './sparkpost-errors.js';
import type { SparkPostRequestContext } from './sparkpost-payload.js';
import type { SparkPostSettings } from './sparkpost-options.js';

/**
 * A transmission's answer: `{"results": {"total_accepted_recipients", "total_rejected_recipients", "id"}}`
 * (plus, when some recipients were refused, `errors` code 2000 and `results.rcpt_to_errors`).
 * The id is a decimal beyond 2^53: read losslessly (a bare number arrives as its digits), kept as text.
 */
export const sparkPostResultSchema = z.object({
  results: z.object({
    total_accepted_recipients: z.number().int().nonnegative(),
    total_rejected_recipients: z.number().int().nonnegative(),
    id: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String),
    rcpt_to_errors: z.array(z.unknown()).nullish(),
  }),
});
export type SparkPostResult = z.infer<typeof sparkPostResultSchema>;

/**
 * The status of one message sent as one transmission. SparkPost answers only counts, not which
 * recipients it refused: all accepted → `queued` (it sends later, and reports each recipient through
 * webhooks), all refused → `rejected`, a mix → `unknown` for every recipient. The message id is the
 * transmission id (SparkPost's `transmission_id` in events): the only id known at send time.
 */
export function sparkPostStatus(result: SparkPostResult, context: SparkPostRequestContext, espResponse: unknown): AnymailStatus {
  const { total_accepted_recipients: accepted, total_rejected_recipients: rejected, id } = result.results;
  if (context.listId !== undefined) {
    // A stored list: the recipients are SparkPost's, so the status is the transmission's alone.
    const status = new AnymailStatus();
    status.status.add(accepted > 0 ? 'queued' : rejected > 0 ? 'rejected' : 'unknown');
    status.messageId = id;
    status.espResponse = espResponse;
    return status;
  }
  const name = sparkPostStatusName(result, context.copies);
  return AnymailStatus.forAll(context.recipients, name, name === 'rejected' ? null : id, espResponse);
}

/** What the counts say about a transmission of `copies` recipient objects. */
export function sparkPostStatusName(result: SparkPostResult, copies: number): SendStatusName {
  const { total_accepted_recipients: accepted, total_rejected_recipients: rejected } = result.results;
  if (accepted === copies && rejected === 0) return 'queued';
  if (rejected === copies && accepted === 0) return 'rejected';
  return 'unknown';
}

/** A refusal of every recipient that `sparkPostErrors` accepts as a result (see `isSuppressedRecipient`). */
export function refusedStatus(body: SparkPostErrorBody, context: SparkPostRequestContext): AnymailStatus {
  return AnymailStatus.forAll(context.recipients, 'rejected', null, body);
}

/** What a transmission is answered with: results, or (accepted as a result) a suppressed recipient. */
export const sparkPostAnswerSchema = z.union([sparkPostResultSchema, sparkPostErrorBodySchema]);

/** 2xx answers, and the one error answer that is about the recipient (see sparkpost-errors.ts). */
export const sparkPostResponse = jsonResponse<typeof sparkPostAnswerSchema, SparkPostRequestContext, SparkPostSettings>(
  sparkPostAnswerSchema,
  (body, _response, request) => ('results' in body ? sparkPostStatus(body, request.context, body) : refusedStatus(body, request.context)),
  { largeIntegers: 'string' },
);
