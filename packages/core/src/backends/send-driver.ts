// What a backend gives the send pipeline (send-pipeline.ts): the driver and the job and delivery shapes.
import type { EmailMessage } from '../message.js';
import type { SendDefaults } from '../message-defaults.js';
import type { AnymailStatus, SendAttempt } from '../status.js';

/** One message on its way through the pipeline. */
export interface SendJob {
  readonly index: number;
  /** The caller's message. */
  readonly original: EmailMessage;
  /**
   * The message being sent: a copy with the send defaults applied, which preSend receivers may
   * edit; the caller's message itself when there is nothing to apply and no receiver (never edit it).
   */
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

/** A job of a combined request that the ESP refused on its own (its neighbours went out). */
export interface FailedDelivery {
  error: unknown;
}

/** Several prepared messages in one request (a batch endpoint). */
export interface CombinedDelivery {
  /** Most messages in one request. */
  readonly max: number;
  canCombine(job: SendJob): boolean;
  /** Jobs combine only with jobs of the same key. @default one group */
  groupKey?: ((job: SendJob) => string) | undefined;
  /** One Delivery (or FailedDelivery) per job, in order; a thrown error fails every job. */
  deliver(jobs: readonly SendJob[]): Promise<readonly (Delivery | FailedDelivery)[]>;
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
  /** Open the backend before the first delivery (absent: nothing to open, e.g. a lazy HTTP pool). */
  open?(): Promise<boolean>;
  close?(): Promise<void>;
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
