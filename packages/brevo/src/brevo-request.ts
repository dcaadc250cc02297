import type { EspRequest } from '@anymail/core/esp';
import type { BrevoSettings } from './brevo-options.js';

// The shape of Brevo's `POST /v3/smtp/email` (the `sendSmtpEmail` definition of its API
// description) and how the versions of one or more messages become one request.

export interface BrevoAddress {
  email: string;
  name?: string;
}

export interface BrevoAttachment {
  name?: string;
  content?: string;
  url?: string;
}

/** The fields a `messageVersions` entry may set (the spec's `sendSmtpEmail_messageVersions`, plus `headers`). */
export interface BrevoVersion {
  to: BrevoAddress[];
  cc?: BrevoAddress[];
  bcc?: BrevoAddress[];
  replyTo?: BrevoAddress;
  subject?: string;
  htmlContent?: string;
  textContent?: string;
  params?: Record<string, unknown>;
  /**
   * Not in Brevo's API description: per-version headers, how per-recipient metadata
   * (X-Mailin-custom) and mergeHeaders travel in a batch, as django-anymail sends them.
   */
  headers?: Record<string, string>;
}

/** `POST /v3/smtp/email` as Brevo takes it (the spec's `sendSmtpEmail`). */
export interface BrevoSmtpEmail extends Partial<Omit<BrevoVersion, 'to'>> {
  sender?: BrevoAddress | { id: number };
  to?: BrevoAddress[];
  templateId?: number;
  messageVersions?: BrevoVersion[];
  tags?: string[];
  attachment?: BrevoAttachment[];
  scheduledAt?: string;
  batchId?: string;
}

/** The fields every version of a request shares: everything but recipients, content and merge data (custom headers too). */
export type BrevoShared = Omit<BrevoSmtpEmail, Exclude<keyof BrevoVersion, 'headers'> | 'messageVersions'>;

/** The recipients (bare addresses) of one version: they get its message id. */
export interface BrevoRecipients {
  to: string[];
  cc: string[];
  bcc: string[];
}

/** What the response handler (and `sendMessages` combining) needs to know about a request. */
export interface BrevoRequestContext {
  /** Fields shared by every version; requests combine only when these (and `contentFields`) are equal. */
  shared: BrevoShared;
  /** One entry per message Brevo will create, in request order: its fields, fully spelled out. */
  versions: BrevoVersion[];
  /** Which of subject/htmlContent/textContent the versions set (a combined request states them at the top too). */
  contentFields: string;
  /** Sent as `messageVersions` (a batch send); false: one plain message to every recipient. */
  batch: boolean;
  /** One entry per version: the recipients that get its message id. */
  recipients: BrevoRecipients[];
}

/** One request for the versions of one or more messages that share `shared` (see BrevoRequestContext). */
export function renderBrevoBody(contexts: readonly BrevoRequestContext[]): BrevoSmtpEmail {
  const first = contexts[0]!;
  if (contexts.length === 1 && !first.batch) {
    const { headers, ...version } = first.versions[0]!;
    return { ...first.shared, ...version, ...(headers ? { headers } : {}) };
  }
  // Versions inherit what they don't set from the top level, and Brevo requires the subject and a
  // body there when no template is used: state the first version's; every version sets its own.
  const top = first.versions[0]!;
  const content: BrevoSmtpEmail = {};
  if (top.subject !== undefined) content.subject = top.subject;
  if (top.htmlContent !== undefined) content.htmlContent = top.htmlContent;
  if (top.textContent !== undefined) content.textContent = top.textContent;
  return { ...first.shared, ...content, messageVersions: contexts.flatMap((context) => context.versions) };
}

/** The `POST smtp/email` request for a body. */
export function brevoRequest(body: BrevoSmtpEmail, context: BrevoRequestContext, settings: Pick<BrevoSettings, 'apiKey'>): EspRequest<BrevoRequestContext> {
  return {
    method: 'POST',
    path: 'smtp/email',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'api-key': settings.apiKey },
    body: JSON.stringify(body),
    context,
  };
}

