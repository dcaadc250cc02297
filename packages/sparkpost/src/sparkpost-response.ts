import { AnymailStatus, type SendStatusName } from '@anymail/core';
import { z } from 'zod';
import type { SparkPostRequestContext } from './sparkpost-payload.js';

/**
 * A transmission's answer: `{"results": {"total_accepted_recipients", "total_rejected_recipients", "id"}}`
 * (plus, when some recipients were refused, `errors` code 2000 and `results.rcpt_to_errors`).
 * The id is a decimal string beyond 2^53; read losslessly it may also arrive as a string from a bare
 * number, so both are accepted and kept as text.
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
  let name: SendStatusName = 'unknown';
  if (accepted === context.copies && rejected === 0) name = 'queued';
  else if (rejected === context.copies && accepted === 0) name = 'rejected';
  return AnymailStatus.forAll(context.recipients, name, name === 'rejected' ? null : id, espResponse);
}
