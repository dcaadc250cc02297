import { AnymailCancelSend, AnymailError, AnymailRecipientsRefused } from '../errors.js';
import { failoverAttempts } from '../failover/attempts.js';
import { assertNoHeaderInjection } from '../header-safety.js';
import type { EmailMessage } from '../message.js';
import { resolveMessage } from '../message-defaults.js';
import { postSend, preSend } from '../signals.js';
import { AnymailStatus, type SendAttempt } from '../status.js';
import type { CombinedDelivery, Delivery, FailedDelivery, PipelineOptions, SendDriver, SendJob, SkippedDelivery } from './send-driver.js';
import type { SendOutcome, SendResult } from './send-result.js';

export type { CombinedDelivery, Delivery, FailedDelivery, PipelineOptions, SendDriver, SendJob, SkippedDelivery } from './send-driver.js';

class Failure {
  constructor(
    readonly error: unknown,
    readonly attempts: readonly SendAttempt[] | undefined,
  ) {}
}

/** One SendResult; a class, so every result has the same shape (one per message sent). */
class Result implements SendResult {
  constructor(
    readonly message: EmailMessage,
    readonly outcome: SendOutcome,
    readonly espName: string,
    readonly sent: EmailMessage | undefined,
    readonly status: AnymailStatus | undefined = undefined,
    readonly error: unknown = undefined,
    readonly attempts: readonly SendAttempt[] | undefined = undefined,
  ) {}
}

/** Whether the message has a recipient (an address that is not ''), without building the list. */
function hasRecipients(message: EmailMessage): boolean {
  return anyAddress(message.to) || anyAddress(message.cc) || anyAddress(message.bcc);
}

function anyAddress(list: readonly string[]): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] !== '') return true;
  return false;
}

/** Whether the status refuses every recipient (and has at least one). */
function refusesEveryone(status: AnymailStatus): boolean {
  let any = false;
  for (const email in status.recipients) {
    const state = status.recipients[email]!.status;
    if (state !== 'invalid' && state !== 'rejected') return false;
    any = true;
  }
  return any;
}

function safeRecipientEmails(message: EmailMessage): string[] {
  try {
    return message.recipientEmails();
  } catch {
    return [];
  }
}

/**
 * The one send loop: for each message, resolve it (defaults applied to a copy, see resolveMessage), preSend
 * (AnymailCancelSend skips it), header checks, skip without recipients, prepare, deliver
 * (alone, or combined with others where the backend has a batch endpoint), status on both
 * messages, postSend, recipients-refused check. Runs up to `concurrency` messages at once and
 * answers one result per message, in input order. Opens the backend lazily (at the first
 * delivery) and closes it after, when this call opened it.
 */
export function runSendPipeline(driver: SendDriver, messages: readonly EmailMessage[], options: PipelineOptions = {}): Promise<SendResult[]> {
  return new PipelineRun(driver, messages, options).run();
}

// One call's state. Methods instead of per-call closures, and synchronous until the delivery
// when nobody listens to preSend: the hot path (one message through an ESP) pays few promises.
class PipelineRun {
  readonly results: SendResult[];
  /** Combinable jobs waiting for their group to fill, by group key. */
  readonly pending = new Map<string, SendJob[]>();
  readonly combined: CombinedDelivery | undefined;
  opening: Promise<boolean> | undefined = undefined;
  stopped = false;
  next = 0;

  constructor(
    readonly driver: SendDriver,
    readonly messages: readonly EmailMessage[],
    readonly options: PipelineOptions,
  ) {
    this.results = new Array<SendResult>(messages.length);
    this.combined = messages.length > 1 ? driver.combined : undefined;
  }

  async run(): Promise<SendResult[]> {
    const { messages, results, driver } = this;
    if (messages.length === 0) return results;
    try {
      const workers = Math.max(1, Math.min(driver.concurrency, messages.length));
      if (messages.length === 1) {
        // One message (message.send()): no worker loop around it.
        const sending = this.sendOne(this.next++);
        if (sending) await sending;
      } else if (workers === 1) await this.worker();
      else await Promise.all(Array.from({ length: workers }, () => this.worker()));
      if (this.pending.size > 0) {
        const groups = [...this.pending.values()];
        this.pending.clear();
        for (const group of groups) if (!this.stopped) await this.deliverGroup(group);
      }
    } finally {
      if (this.opening && (await this.opening.catch(() => false))) await driver.close?.();
    }
    for (let i = 0; i < results.length; i++) {
      results[i] ??= new Result(messages[i]!, 'not-attempted', driver.espName, undefined);
    }
    return results;
  }

  async worker(): Promise<void> {
    while (!this.stopped && this.next < this.messages.length) {
      const sending = this.sendOne(this.next++);
      if (sending) await sending;
    }
  }

  ensureOpen(): Promise<boolean> | undefined {
    const { driver } = this;
    if (!driver.open) return undefined;
    this.opening ??= driver.open().catch((error: unknown) => {
      throw new Failure(driver.failure ? driver.failure(error, 'open') : error, undefined);
    });
    return this.opening;
  }

  fail(index: number, job: { original: EmailMessage; message?: EmailMessage | undefined }, thrown: unknown): void {
    const { driver } = this;
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
    this.results[index] = new Result(job.original, 'failed', espName, job.message, status, error, failure.attempts);
    if (this.options.stopAfter?.(error)) this.stopped = true;
  }

  /** Status, postSend, recipients-refused; synchronous when nobody listens to postSend. */
  finish(job: SendJob, delivery: Delivery | SkippedDelivery): Promise<void> | undefined {
    const { driver } = this;
    if ('skipped' in delivery) {
      this.results[job.index] = new Result(job.original, delivery.skipped, driver.espName, job.message, undefined, undefined, delivery.attempts);
      return undefined;
    }
    const status = delivery.status;
    const espName = delivery.espName ?? status.espName ?? driver.espName;
    status.espName = espName;
    if (delivery.attempts) status.attempts = [...delivery.attempts];
    job.message.anymailStatus = status;
    job.original.anymailStatus = status;
    if (driver.signals && postSend.hasListeners(driver.sender)) {
      return postSend.sendRobust(driver.sender, { message: job.message, status, espName }).then(() => this.settle(job, delivery, espName));
    }
    this.settle(job, delivery, espName);
    return undefined;
  }

  settle(job: SendJob, delivery: Delivery, espName: string): void {
    const { driver } = this;
    const status = delivery.status;
    if (driver.checkRecipients) {
      if (refusesEveryone(status)) {
        const error = new AnymailRecipientsRefused(
          `${espName} refused every recipient: ${Object.keys(status.recipients).join(', ')}. ` +
            'Pass ignoreRecipientStatus: true to treat this as a normal result.',
          { espName, statusCode: delivery.statusCode, responseBody: delivery.responseBody },
        );
        driver.redact?.(error);
        this.results[job.index] = new Result(job.original, 'failed', espName, job.message, status, error, delivery.attempts);
        if (this.options.stopAfter?.(error)) this.stopped = true;
        return;
      }
    }
    this.results[job.index] = new Result(job.original, 'sent', espName, job.message, status, undefined, delivery.attempts);
  }

  async deliverOne(job: SendJob): Promise<void> {
    const { driver } = this;
    let delivery: Delivery | SkippedDelivery;
    try {
      const opening = this.ensureOpen();
      if (opening) await opening;
      delivery = await driver.deliver(job);
    } catch (error) {
      this.fail(job.index, job, error instanceof Failure || !driver.failure ? error : driver.failure(error, 'deliver'));
      return;
    }
    const finishing = this.finish(job, delivery);
    if (finishing) await finishing;
  }

  async deliverGroup(jobs: SendJob[]): Promise<void> {
    if (jobs.length === 1) return this.deliverOne(jobs[0]!);
    const { driver } = this;
    let deliveries: readonly (Delivery | FailedDelivery)[];
    try {
      const opening = this.ensureOpen();
      if (opening) await opening;
      deliveries = await this.combined!.deliver(jobs);
    } catch (error) {
      const reported = error instanceof Failure || !driver.failure ? error : driver.failure(error, 'deliver');
      for (const job of jobs) this.fail(job.index, job, reported);
      return;
    }
    for (let i = 0; i < jobs.length; i++) {
      const delivery = deliveries[i]!;
      // One part refused by the ESP (its neighbours went out): that message fails with its own error.
      if ('error' in delivery) {
        this.fail(jobs[i]!.index, jobs[i]!, delivery.error);
        continue;
      }
      const finishing = this.finish(jobs[i]!, delivery);
      if (finishing) await finishing;
    }
  }

  /** One message up to its delivery; undefined when it finished synchronously (skipped or failed). */
  sendOne(index: number): Promise<void> | undefined {
    const { driver } = this;
    const original = this.messages[index]!;
    const presend = driver.signals && preSend.hasListeners(driver.sender);
    // Receivers get a copy they may edit; with none, nothing edits the message (copy on write).
    const editable = presend || (driver.signals && postSend.hasListeners(driver.sender));
    let message: EmailMessage;
    try {
      message = resolveMessage(original, driver.sendDefaults, driver.fallbackFrom ?? true, editable);
    } catch (error) {
      this.fail(index, { original }, error);
      return undefined;
    }
    if (presend) {
      return preSend.send(driver.sender, { message, espName: driver.espName }).then(
        () => this.afterPreSend(index, original, message),
        (error: unknown) => {
          if (AnymailCancelSend.isInstance(error)) this.results[index] = new Result(original, 'cancelled', driver.espName, message);
          else this.fail(index, { original, message }, error);
        },
      );
    }
    return this.afterPreSend(index, original, message);
  }

  afterPreSend(index: number, original: EmailMessage, message: EmailMessage): Promise<void> | undefined {
    const { driver } = this;
    let job: SendJob;
    let preparing: void | Promise<void>;
    try {
      assertNoHeaderInjection(message);
      if (!hasRecipients(message)) {
        this.results[index] = new Result(original, 'no-recipients', driver.espName, message);
        return undefined;
      }
      job = { index, original, message, prepared: undefined };
      preparing = driver.prepare?.(job);
    } catch (error) {
      this.fail(index, { original, message }, error);
      return undefined;
    }
    if (preparing instanceof Promise) {
      return preparing.then(
        () => this.route(job),
        (error: unknown) => this.fail(index, job, error),
      );
    }
    return this.route(job);
  }

  route(job: SendJob): Promise<void> | undefined {
    const combined = this.combined;
    if (combined && combined.canCombine(job)) {
      const key = combined.groupKey?.(job) ?? '';
      let group = this.pending.get(key);
      if (!group) this.pending.set(key, (group = []));
      group.push(job);
      if (group.length < combined.max) return undefined;
      this.pending.delete(key);
      return this.deliverGroup(group);
    }
    return this.deliverOne(job);
  }
}
