/**
 * Handing claimed mail to a backend. A backend with a batch endpoint (Postmark's
 * /email/batch, say) gets its mail in chunks through one `sendMessages(chunk)` each: one
 * request per chunk, results read per message from each message's status. Others get one
 * `sendMessages([message])` per email, in parallel up to the drain's concurrency.
 */
import { AnymailError, type BaseEmailBackend, type EmailMessage } from '@anymail/core';
import type { EmailRow } from './outbox-email.js';
import { describeResult, failedResult, sentResult, type Outcome } from './outbox-send-result.js';
import type { ResolvedOutboxSettings } from './outbox-settings.js';

export interface SendTask {
  row: EmailRow;
  message: EmailMessage;
}

export interface SendContext {
  settings: ResolvedOutboxSettings;
  outcomes: Outcome[];
  /** When each send in flight started (its lease is renewed only within sendTimeoutMs). */
  started: Map<number, number>;
}

/**
 * How many messages one request of this backend can carry (0: no batch endpoint). Read
 * from BaseEspBackend's `combinedSend` declaration, which every ESP with a batch endpoint sets.
 */
export function batchCapacity(backend: BaseEmailBackend): number {
  const combined = (backend as unknown as { combinedSend?: { maxMessages?: unknown } }).combinedSend;
  return typeof combined?.maxMessages === 'number' && combined.maxMessages > 1 ? combined.maxMessages : 0;
}

function describe(error: unknown): { type: string; text: string } {
  if (error instanceof Error) return { type: error.name, text: error.message };
  return { type: 'Error', text: String(error) };
}

/** An error's outcome: requeued while retryable and retries are left, else failed (with what the ESP said). */
export function classify(row: EmailRow, error: unknown, settings: ResolvedOutboxSettings): Outcome {
  const id = Number(row.id);
  const { type, text } = describe(error);
  const anymail = AnymailError.isInstance(error) ? error : undefined;
  const unknown = anymail?.deliveryUnknown ?? false;
  const retryable = anymail !== undefined && anymail.retryable && (!unknown || settings.retryDeliveryUnknown);
  const canRetry = retryable && row.number_of_retries < settings.maxRetries;
  let message = anymail ? `[${anymail.category}] ${text}` : text;
  if (unknown && !settings.retryDeliveryUnknown) {
    message = `delivery unknown: the ESP may have accepted it; not retried (set retryDeliveryUnknown to retry). ${message}`;
  }
  const result = failedResult(error);
  const said = describeResult(result);
  return { id, status: canRetry ? 'requeued' : 'failed', exceptionType: type, message: said ? `${message} (${said})` : message, ...(result ? { result } : {}) };
}

/** Did the ESP take this message (a status other than a lone 'failed')? */
function accepted(message: EmailMessage): boolean {
  const status = message.anymailStatus;
  if (status === undefined) return false;
  for (const name of status.status) if (name === 'sent' || name === 'queued' || name === 'unknown') return true;
  return false;
}

function recordSent(task: SendTask, backend: BaseEmailBackend, context: SendContext): void {
  const result = sentResult(task.message, backend);
  context.outcomes.push({ id: Number(task.row.id), status: 'sent', exceptionType: '', message: describeResult(result), result });
}

const NOT_SENT = 'The backend sent nothing (a preSend receiver cancelled it?).';

export async function sendOne(backend: BaseEmailBackend, task: SendTask, context: SendContext): Promise<void> {
  const id = Number(task.row.id);
  context.started.set(id, Date.now());
  try {
    const sent = await backend.sendMessages([task.message]);
    if (sent > 0) recordSent(task, backend, context);
    else context.outcomes.push({ id, status: 'failed', exceptionType: 'NotSent', message: NOT_SENT });
  } catch (error) {
    context.outcomes.push(classify(task.row, error, context.settings));
  } finally {
    context.started.delete(id);
  }
}

/**
 * One `sendMessages(chunk)`. When it throws, the messages the ESP took (those with a status)
 * are sent; the rest are sent one by one to learn which failed and why, unless the error
 * says the request may have reached the ESP (then they share it: not resent).
 */
export async function sendBatch(backend: BaseEmailBackend, tasks: SendTask[], context: SendContext): Promise<void> {
  if (tasks.length === 1) return sendOne(backend, tasks[0]!, context);
  const now = Date.now();
  for (const task of tasks) context.started.set(Number(task.row.id), now);
  try {
    await backend.sendMessages(tasks.map((task) => task.message));
    for (const task of tasks) {
      if (accepted(task.message)) recordSent(task, backend, context);
      else context.outcomes.push({ id: Number(task.row.id), status: 'failed', exceptionType: 'NotSent', message: NOT_SENT });
    }
  } catch (error) {
    const refused = AnymailError.isInstance(error) && error.category === 'recipients-refused';
    const unknown = AnymailError.isInstance(error) && error.deliveryUnknown;
    const rest: SendTask[] = [];
    for (const task of tasks) {
      if (accepted(task.message)) recordSent(task, backend, context);
      else if (refused && task.message.anymailStatus !== undefined) context.outcomes.push(classify(task.row, error, context.settings));
      else if (unknown) context.outcomes.push(classify(task.row, error, context.settings));
      else rest.push(task);
    }
    for (const task of rest) await sendOne(backend, task, context);
  } finally {
    for (const task of tasks) context.started.delete(Number(task.row.id));
  }
}
