/** The normalized result of a send, set on `message.anymailStatus`. */
export type SendStatusName = 'sent' | 'queued' | 'invalid' | 'rejected' | 'failed' | 'unknown';

export interface RecipientStatus {
  status: SendStatusName;
  messageId: string | null;
}

/** One try at sending a message, as recorded by `FailoverBackend`. */
export interface SendAttempt {
  espName: string;
  /** Failure category, or undefined for the attempt that succeeded. */
  category?: string;
  statusCode?: number;
  durationMs: number;
  /** True when the attempt may have reached the ESP. */
  deliveryUnknown?: boolean;
  error?: string;
}

/**
 * An empty map of recipient statuses. Prototype-less, so per-message email-address keys don't
 * create a V8 hidden class each (that churn cost about a microsecond per message on every send).
 */
export function recipientStatusMap(): Record<string, RecipientStatus> {
  return Object.create(null) as Record<string, RecipientStatus>;
}

export class AnymailStatus {
  /** Every distinct status among the recipients. */
  status = new Set<SendStatusName>();
  /**
   * The ESP's message id when every recipient has the same one (null when none has one);
   * otherwise the Set of every recipient's id, `null` included for recipients without one
   * (rejected), as Anymail does.
   */
  messageId: string | Set<string | null> | null = null;
  /** Keyed by bare (lower-cased as given) email address. */
  recipients: Record<string, RecipientStatus> = recipientStatusMap();
  /** The ESP's parsed response, as it came. */
  espResponse: unknown = undefined;
  /** The ESP that sent the message. */
  espName: string | undefined = undefined;
  /** Every attempt, when the message went through `FailoverBackend`. */
  attempts: SendAttempt[] | undefined = undefined;

  /** Replace the per-recipient statuses and recompute `status` and `messageId`. */
  setRecipientStatus(recipients: Record<string, RecipientStatus>): this {
    const merged = recipientStatusMap();
    for (const email in this.recipients) merged[email] = this.recipients[email]!;
    for (const email of Object.keys(recipients)) merged[email] = recipients[email]!;
    this.recipients = merged;
    const statuses = new Set<SendStatusName>();
    // The first id, and all ids in a Set only once a second one shows up (most messages have one).
    let first: string | null = null;
    let ids: Set<string | null> | undefined;
    let any = false;
    for (const email in merged) {
      const recipient = merged[email]!;
      statuses.add(recipient.status);
      if (!any) {
        first = recipient.messageId;
        any = true;
      } else if (ids === undefined) {
        if (recipient.messageId !== first) ids = new Set([first, recipient.messageId]);
      } else ids.add(recipient.messageId);
    }
    this.status = statuses;
    // A single value only when all agree; otherwise every id, a rejected recipient's null too.
    this.messageId = ids ?? first;
    return this;
  }

  /** Convenience: the same status and id for every recipient. */
  static forAll(recipients: Iterable<string>, status: SendStatusName, messageId: string | null, espResponse?: unknown): AnymailStatus {
    // Built directly (not through setRecipientStatus): this runs once per message sent.
    const result = new AnymailStatus();
    const map = recipientStatusMap();
    for (const email of recipients) map[email] = { status, messageId };
    result.recipients = map;
    result.status.add(status);
    result.messageId = messageId;
    result.espResponse = espResponse;
    return result;
  }
}
