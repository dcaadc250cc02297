import type { ParsedAddress } from '../address.js';

/** One header of a received message, unfolded, encoded-words decoded, CR/LF replaced by spaces. */
export interface InboundHeader {
  name: string;
  value: string;
}

/** An attachment or inline part of a received message. */
export interface AnymailInboundAttachment {
  /** The part's filename, decoded; control characters (CR, LF, ...) replaced by spaces. */
  readonly filename: string | undefined;
  /** Media type without parameters, lower case, e.g. `image/png`; `message/rfc822` for a forwarded message. */
  readonly contentType: string;
  /** The `charset` parameter of the part's Content-Type, when it has one. */
  readonly charset: string | undefined;
  /** The decoded bytes. */
  readonly content: Uint8Array;
  /** Content-ID without the angle brackets (the `cid:` an HTML body refers to), when present. */
  readonly contentId: string | undefined;
  /** Whether the part is shown inside the message body (inline with a Content-ID) rather than attached. */
  readonly inline: boolean;
  /** The content decoded as text, in the part's charset (UTF-8 when none is given). */
  text(): string;
}

/** Everything an `AnymailInboundMessage` is built from (see `parseInboundMime`). */
export interface AnymailInboundMessageInit {
  raw: Uint8Array;
  headers: readonly InboundHeader[];
  from: ParsedAddress | undefined;
  to: readonly ParsedAddress[];
  cc: readonly ParsedAddress[];
  replyTo: readonly ParsedAddress[];
  subject: string | undefined;
  date: Date | undefined;
  messageId: string | undefined;
  text: string | undefined;
  html: string | undefined;
  parts: readonly AnymailInboundAttachment[];
  envelopeSender?: string | undefined;
  envelopeRecipient?: string | undefined;
  spamScore?: number | undefined;
  spamDetected?: boolean | undefined;
  strippedText?: string | undefined;
  strippedHtml?: string | undefined;
  strippedSignature?: string | undefined;
}

/** The ESP-specific facts that are not in the MIME message itself. */
export type InboundExtras = Pick<
  AnymailInboundMessageInit,
  'envelopeSender' | 'envelopeRecipient' | 'spamScore' | 'spamDetected' | 'strippedText' | 'strippedHtml' | 'strippedSignature'
>;

/**
 * A received email, the same for every ESP (django-anymail's `AnymailInboundMessage`).
 * Built from the message's MIME (as the ESP posted it, or put together from the ESP's parsed fields),
 * plus what only the ESP knows: the SMTP envelope, its spam verdict, the reply text with quotes stripped.
 */
export class AnymailInboundMessage {
  /** SMTP `MAIL FROM` (return path), when the ESP reports it. */
  readonly envelopeSender: string | undefined;
  /** SMTP `RCPT TO` the ESP received this copy for (may be a Bcc or a forwarding address). */
  readonly envelopeRecipient: string | undefined;
  readonly from: ParsedAddress | undefined;
  readonly to: readonly ParsedAddress[];
  readonly cc: readonly ParsedAddress[];
  readonly replyTo: readonly ParsedAddress[];
  readonly subject: string | undefined;
  /** The Date header, when present and valid. */
  readonly date: Date | undefined;
  /** The Message-ID header, with its angle brackets. */
  readonly messageId: string | undefined;
  /** The text/plain body, when the message has one. */
  readonly text: string | undefined;
  /** The text/html body, when the message has one (`cid:` links left as they are: see `inlines`). */
  readonly html: string | undefined;
  /** Parts the sender attached (not shown in the body), including forwarded `message/rfc822` parts. */
  readonly attachments: readonly AnymailInboundAttachment[];
  /** Inline parts by Content-ID (no angle brackets): `inlines.get(cid)` for each `<img src="cid:...">`. */
  readonly inlines: ReadonlyMap<string, AnymailInboundAttachment>;
  readonly headers: readonly InboundHeader[];
  /** The ESP's spam score (higher is spammier; scales differ between ESPs). */
  readonly spamScore: number | undefined;
  /** The ESP's spam verdict: true spam, false not spam, undefined when the ESP gives none. */
  readonly spamDetected: boolean | undefined;
  /** The reply text without quoted history and signature (Mailgun, Postmark). */
  readonly strippedText: string | undefined;
  /** The HTML reply without quoted history (Mailgun). */
  readonly strippedHtml: string | undefined;
  /** The signature block cut from `strippedText` (Mailgun). */
  readonly strippedSignature: string | undefined;
  /** The message's MIME bytes. */
  readonly raw: Uint8Array;

  constructor(init: AnymailInboundMessageInit) {
    this.raw = init.raw;
    this.headers = init.headers;
    this.from = init.from;
    this.to = init.to;
    this.cc = init.cc;
    this.replyTo = init.replyTo;
    this.subject = init.subject;
    this.date = init.date;
    this.messageId = init.messageId;
    this.text = init.text;
    this.html = init.html;
    this.envelopeSender = init.envelopeSender;
    this.envelopeRecipient = init.envelopeRecipient;
    this.spamScore = init.spamScore;
    this.spamDetected = init.spamDetected;
    this.strippedText = init.strippedText;
    this.strippedHtml = init.strippedHtml;
    this.strippedSignature = init.strippedSignature;
    const inlines = new Map<string, AnymailInboundAttachment>();
    const attachments: AnymailInboundAttachment[] = [];
    for (const part of init.parts) {
      if (part.inline && part.contentId !== undefined && !inlines.has(part.contentId)) inlines.set(part.contentId, part);
      else attachments.push(part);
    }
    this.attachments = attachments;
    this.inlines = inlines;
  }

  /** The first value of a header (case-insensitive name), or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    return this.headers.find((header) => header.name.toLowerCase() === lower)?.value;
  }

  /** Every value of a header, in message order (e.g. all `Received` lines). */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.headers.filter((header) => header.name.toLowerCase() === lower).map((header) => header.value);
  }

  /** The MIME message as bytes. */
  asBytes(): Uint8Array {
    return this.raw;
  }

  /** The MIME message as text (UTF-8; 8-bit parts in other charsets are not converted). */
  asString(): string {
    return new TextDecoder().decode(this.raw);
  }
}
