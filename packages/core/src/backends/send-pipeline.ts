import { AnymailCancelSend, AnymailError, AnymailRecipientsRefused } from '../errors.js';
import { failoverAttempts } from '../failover/attempts.js';
import { assertNoHeaderInjection } from '../header-safety.js';
import type { EmailMessage } from '../message.js';
import { resolveMessage, type SendDefaults } from '../message-defaults.js';
import { postSend, preSend } from '../signals.js';
import { AnymailStatus, type SendAttempt } from '../status.js';
import type { SendOutcome, SendResult } from './send-result.js';

/** One message on its way through the pipeline. */
export interface SendJob {
  readonly index: number;
  /** The caller's message. */
  readonly original: EmailMessage;
  /** The message being sent: a copy with the send defaults applied, which preSend receivers may edit. */
  readonly message: EmailMessage;
  /** What the backend prepared for delivery (an ESP's request). */
  prepared: unknown;
}

/** What delivering one message found out. */
export interface Delivery {
  status: AnymailStatus;
  /** The backend that answered, when not this one (FailoverBackend's member). */
  espName?: string;
  attempts?: readonly SendAttempt[];
  /** Kept on AnymailRecipientsRefused when every recipient was refused. */
  statusCode?: number;
  responseBody?: string;
}

/** A delivery that did not happen and is not an error (FailoverBackend: the member skipped it). */
export interface SkippedDelivery {
  skipped: 'cancelled' | 'no-recipients';
  attempts?: readonly SendAttempt[];
}

/** Several prepared messages in one request (a batch endpoint). */
export interface CombinedDelivery {
  /** Most messages in one request. */
  readonly max: number;
  canCombine(job: SendJob): boolean;
  /** One Delivery per job, in order; a thrown error fails every job. */
  deliver(jobs: readonly SendJob[]): Promise<readonly Delivery[]>;
}

/** How one backend takes part in the pipeline. Backends build this; the loop is the same for all. */
export interface SendDriver {
  readonly espName: string;
  /** The signals' sender (the backend's class). */
  readonly sender: unknown;
  /** Whether this backend fires preSend/postSend (wrappers whose inner backend fires them don't). */
  readonly signals: boolean;
  /** Messages in flight at once. */
  readonly concurrency: number;
  /** Raise AnymailRecipientsRefused when a status refuses every recipient. */
  readonly checkRecipients: boolean;
  readonly sendDefaults: SendDefaults | undefined;
  /** Fill a missing sender with the defaultFromEmail setting (false: a backend that queues leaves it to the delivering one). */
  readonly fallbackFrom?: boolean;
  open(): Promise<boolean>;
  close(): Promise<void>;
  /** After preSend and the header checks: prepare the delivery (e.g. build the request). */
  prepare?(job: SendJob): void | Promise<void>;
  deliver(job: SendJob): Promise<Delivery | SkippedDelivery>;
  combined?: CombinedDelivery | undefined;
  /** Hide credentials in any error before it is reported (changes the error in place). */
  redact?(error: unknown): unknown;
  /** Turn an error from open() or delivery into the error reported (e.g. a socket error into AnymailAPIError). */
  failure?(error: unknown, stage: 'open' | 'deliver'): unknown;
}

export interface PipelineOptions {
  /** Stop starting messages after a failure for which this answers true (messages left are `not-attempted`). */
  stopAfter?: (error: unknown) => boolean;
}

class Failure {
  constructor(
    readonly error: unknown,
    readonly attempts: readonly SendAttempt[] | undefined,
  ) {}
}

function result(
  job: { original: EmailMessage; message?: EmailMessage | undefined },
  outcome: SendOutcome,
  espName: string,
  extra: { status?: AnymailStatus; error?: unknown; attempts?: readonly SendAttempt[] | undefined } = {},
): SendResult {
  return {
    message: job.original,
    outcome,
    status: extra.status,
    error: extra.error,
    espName,
    attempts: extra.attempts,
    sent: job.message,
  };
}

function safeRecipientEmails(message: EmailMessage): string[] {
  try {
    return message.recipientEmails();
  } catch {
    return [];
  }
}

/**
 * The one send loop: for each message, resolve it (defaults applied to a copy), preSend
 * (AnymailCancelSend skips it), header checks, skip without recipients, prepare, deliver
 * (alone, or combined with others where the backend has a batch endpoint), status on both
 * messages, recipients-refused check, postSend. Runs up to `concurrency` messages at once and
 * answers one result per message, in input order. Opens the backend lazily (at the first
 * delivery) and closes it after, when this call opened it.
 */
export async function runSendPipeline(
  driver: SendDriver,
  messages: readonly EmailMessage[],
  options: PipelineOptions = {},
): Promise<SendResult[]> {
  const results: SendResult[] = new Array<SendResult>(messages.length);
  if (messages.length === 0) return results;
  let opening: Promise<boolean> | undefined;
  let stopped = false;
  const pending: SendJob[] = [];
  const combined = messages.length > 1 ? driver.combined : undefined;

  const ensureOpen = (): Promise<boolean> => {
    opening ??= driver.open().catch((error: unknown) => {
      throw new Failure(driver.failure ? driver.failure(error, 'open') : error, undefined);
    });
    return opening;
  };

  const fail = (index: number, job: { original: EmailMessage; message?: EmailMessage | undefined }, thrown: unknown): void => {
    const failure = thrown instanceof Failure ? thrown : new Failure(thrown, failoverAttempts(thrown));
    const error = failure.error;
    driver.redact?.(error);
    const emails = job.message ? safeRecipientEmails(job.message) : [];
    const refused = AnymailError.isInstance(error) && error.category === 'recipients-refused';
    const status = AnymailStatus.forAll(emails, refused ? 'rejected' : 'failed', null);
    const espName = (AnymailError.isInstance(error) && error.espName) || driver.espName;
    status.espName = espName;
    if (failure.attempts) status.attempts = [...failure.attempts];
    job.original.anymailStatus = status;
    if (job.message) job.message.anymailStatus = status;
    results[index] = result(job, 'failed', espName, { status, error, attempts: failure.attempts });
    if (options.stopAfter?.(error)) stopped = true;
  };

  const finish = async (job: SendJob, delivery: Delivery | SkippedDelivery): Promise<void> => {
    if ('skipped' in delivery) {
      results[job.index] = result(job, delivery.skipped, driver.espName, { attempts: delivery.attempts });
      return;
    }
    const status = delivery.status;
    const espName = delivery.espName ?? status.espName ?? driver.espName;
    status.espName = espName;
    if (delivery.attempts) status.attempts = [...delivery.attempts];
    job.message.anymailStatus = status;
    job.original.anymailStatus = status;
    if (driver.signals && postSend.hasListeners(driver.sender)) {
      await postSend.sendRobust(driver.sender, { message: job.message, status, espName });
    }
    if (driver.checkRecipients) {
      const recipients = Object.values(status.recipients);
      if (recipients.length > 0 && recipients.every((r) => r.status === 'invalid' || r.status === 'rejected')) {
        const error = new AnymailRecipientsRefused(
          `${espName} refused every recipient: ${Object.keys(status.recipients).join(', ')}. ` +
            'Pass ignoreRecipientStatus: true to treat this as a normal result.',
          { espName, statusCode: delivery.statusCode, responseBody: delivery.responseBody },
        );
        driver.redact?.(error);
        results[job.index] = result(job, 'failed', espName, { status, error, attempts: delivery.attempts });
        if (options.stopAfter?.(error)) stopped = true;
        return;
      }
    }
    results[job.index] = result(job, 'sent', espName, { status, attempts: delivery.attempts });
  };

  const deliverOne = async (job: SendJob): Promise<void> => {
    let delivery: Delivery | SkippedDelivery;
    try {
      await ensureOpen();
      delivery = await driver.deliver(job);
    } catch (error) {
      fail(job.index, job, error instanceof Failure || !driver.failure ? error : driver.failure(error, 'deliver'));
      return;
    }
    await finish(job, delivery);
  };

  const deliverGroup = async (jobs: SendJob[]): Promise<void> => {
    if (jobs.length === 1) return deliverOne(jobs[0]!);
    let deliveries: readonly Delivery[];
    try {
      await ensureOpen();
      deliveries = await combined!.deliver(jobs);
    } catch (error) {
      const reported = error instanceof Failure || !driver.failure ? error : driver.failure(error, 'deliver');
      for (const job of jobs) fail(job.index, job, reported);
      return;
    }
    for (let i = 0; i < jobs.length; i++) await finish(jobs[i]!, deliveries[i]!);
  };

  const sendOne = async (index: number): Promise<void> => {
    const original = messages[index]!;
    let message: EmailMessage | undefined;
    try {
      message = resolveMessage(original, driver.sendDefaults, driver.fallbackFrom ?? true);
      if (driver.signals && preSend.hasListeners(driver.sender)) {
        try {
          await preSend.send(driver.sender, { message, espName: driver.espName });
        } catch (error) {
          if (!AnymailCancelSend.isInstance(error)) throw error;
          results[index] = result({ original, message }, 'cancelled', driver.espName);
          return;
        }
      }
      assertNoHeaderInjection(message);
      if (message.recipients().length === 0) {
        results[index] = result({ original, message }, 'no-recipients', driver.espName);
        return;
      }
      const job: SendJob = { index, original, message, prepared: undefined };
      if (driver.prepare) await driver.prepare(job);
      if (combined && combined.canCombine(job)) {
        pending.push(job);
        if (pending.length >= combined.max) await deliverGroup(pending.splice(0));
        return;
      }
      await deliverOne(job);
    } catch (error) {
      fail(index, { original, message }, error);
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!stopped && next < messages.length) await sendOne(next++);
  };
  try {
    const workers = Math.max(1, Math.min(driver.concurrency, messages.length));
    if (workers === 1) await worker();
    else await Promise.all(Array.from({ length: workers }, worker));
    if (!stopped && pending.length > 0) await deliverGroup(pending.splice(0));
  } finally {
    if (opening && (await opening.catch(() => false))) await driver.close();
  }
  for (let i = 0; i < results.length; i++) {
    results[i] ??= result({ original: messages[i]! }, 'not-attempted', driver.espName);
  }
  return results;
}
