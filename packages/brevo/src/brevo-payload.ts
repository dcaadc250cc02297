import { encodeRfc2047, toAsciiAddrSpec } from '@anymail/core';
import {
  attachmentContent,
  defineEspFeatures,
  unsupported,
  type Attachment,
  type EspRequest,
  type JsonObject,
  type ParsedAddress,
  type PayloadContext,
} from '@anymail/core/esp';
import type { BrevoExtra } from './brevo-extra.js';
import type { BrevoSettings } from './brevo-options.js';
import {
  brevoRequest,
  renderBrevoBody,
  type BrevoAddress,
  type BrevoAttachment,
  type BrevoRecipients,
  type BrevoRequestContext,
  type BrevoShared,
  type BrevoVersion,
} from './brevo-request.js';

export type { BrevoAddress, BrevoAttachment, BrevoRecipients, BrevoRequestContext, BrevoShared, BrevoSmtpEmail, BrevoVersion } from './brevo-request.js';

/** The draft the feature table fills; `finishBrevo` turns it into a request. */
export interface BrevoDraft {
  shared: BrevoShared;
  /** Message-level version fields (cc, bcc, replyTo, subject, bodies). */
  common: Omit<BrevoVersion, 'to' | 'params' | 'headers'>;
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  batch: boolean;
  metadata?: JsonObject;
  mergeData?: Record<string, JsonObject>;
  mergeGlobalData?: JsonObject;
  mergeMetadata?: Record<string, JsonObject>;
  mergeHeaders?: Record<string, Record<string, string>>;
  extra: BrevoExtra;
}

/** A fresh draft for one message. */
export const newBrevoDraft = (): BrevoDraft => ({ shared: {}, common: {}, to: [], cc: [], bcc: [], batch: false, extra: {} });

/** RFC 5322 specials: with non-ASCII, Brevo drops such a display name (observed by django-anymail). */
const SPECIALS = /[()<>[\]:;@\\,."]/;

/** A Brevo address object. A non-ASCII name with specials is sent RFC 2047-encoded, which Brevo keeps. */
export function brevoAddress(address: ParsedAddress): BrevoAddress {
  const email = toAsciiAddrSpec(address);
  const name = address.displayName;
  if (!name) return { email };
  return { email, name: /[^\x20-\x7e]/.test(name) && SPECIALS.test(name) ? encodeRfc2047(name) : name };
}

/**
 * Brevo writes custom header values as raw 8-bit UTF-8 (it decodes RFC 2047 words and `\u`
 * escapes first), which can make a message undeliverable: refuse non-ASCII (django-anymail does too).
 */
function checkAscii(feature: string, value: string, context: PayloadContext): void {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(value) || value.includes('\\u')) {
    context.unsupported(feature, 'non-ASCII characters (Brevo sends custom header values as raw 8-bit UTF-8)');
  }
}

function toAttachment(attachment: Attachment, context: PayloadContext): BrevoAttachment {
  if (attachment.inline) {
    // Brevo's API has no Content-ID for attachments; ignoring this sends the image as an ordinary attachment.
    context.unsupported('attachments', 'inline images (Brevo attachments have no Content-ID)');
  }
  if (!attachment.filename) {
    context.unsupported('attachments', 'an attachment without a filename (Brevo takes the file type from the name\'s extension)');
  }
  const content = attachmentContent(attachment, context);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return { name: attachment.filename ?? 'attachment', content: bytes.toString('base64') };
}

function metadataHeader(metadata: JsonObject, feature: string, context: PayloadContext): string {
  const value = JSON.stringify(metadata);
  checkAscii(feature, value, context);
  return value;
}

export const brevoFeatures = defineEspFeatures<BrevoDraft, BrevoExtra>({
  from: (draft, value, context) => {
    if (value.length > 1) context.unsupported('from', 'multiple From addresses');
    draft.shared.sender = brevoAddress(value[0]!);
  },
  to: (draft, value) => void (draft.to = value),
  cc: (draft, value) => void (draft.cc = value),
  bcc: (draft, value) => void (draft.bcc = value),
  replyTo: (draft, value, context) => {
    if (value.length > 1) context.unsupported('replyTo', 'multiple Reply-To addresses (Brevo takes one)');
    draft.common.replyTo = brevoAddress(value[0]!);
  },
  subject: (draft, value) => void (draft.common.subject = value),
  headers: (draft, value, context) => {
    for (const [name, item] of Object.entries(value)) checkAscii(`headers (${name})`, item, context);
    draft.shared.headers = { ...value };
  },
  textBody: (draft, value) => void (draft.common.textContent = value),
  htmlBody: (draft, value) => void (draft.common.htmlContent = value),
  ampBody: unsupported,
  alternatives: unsupported,
  attachments: (draft, value, context) => void (draft.shared.attachment = value.map((attachment) => toAttachment(attachment, context))),
  envelopeSender: unsupported,
  metadata: (draft, value, context) => {
    metadataHeader(value, 'metadata', context);
    draft.metadata = value;
  },
  tags: (draft, value) => void (draft.shared.tags = [...value]),
  trackClicks: unsupported,
  trackOpens: unsupported,
  sendAt: (draft, value) => void (draft.shared.scheduledAt = value.toISOString()),
  templateId: (draft, value, context) => {
    if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) draft.shared.templateId = Number(value);
    else context.unsupported('templateId', `the id ${JSON.stringify(value)} (Brevo template ids are numbers)`);
  },
  mergeData: (draft, value) => {
    draft.batch = true;
    draft.mergeData = value;
  },
  mergeGlobalData: (draft, value) => void (draft.mergeGlobalData = value),
  mergeMetadata: (draft, value) => {
    draft.batch = true;
    draft.mergeMetadata = value;
  },
  mergeHeaders: (draft, value, context) => {
    for (const headers of Object.values(value)) for (const [name, item] of Object.entries(headers)) checkAscii(`mergeHeaders (${name})`, item, context);
    draft.batch = true;
    draft.mergeHeaders = value;
  },
  espExtra: (draft, value) => void (draft.extra = value),
});

/** Brevo's limits for one request (the `messageVersions` description of its API description). */
export const BREVO_MAX_RECIPIENTS = 2000;
export const BREVO_MAX_VERSION_PARAMS_BYTES = 100 * 1024;
export const BREVO_MAX_PARAMS_BYTES = 1000 * 1024;

const isEmpty = (value: object | undefined): boolean => value === undefined || Object.keys(value).length === 0;
const bare = (addresses: readonly ParsedAddress[]): string[] => addresses.map((address) => address.addrSpec);

/** Each version's recipients as the message names them (statuses are keyed by these, not by Brevo's IDNA spelling). */
function recipientsOf(draft: BrevoDraft, versions: number): BrevoRecipients[] {
  const cc = bare(draft.cc);
  const bcc = bare(draft.bcc);
  if (versions === draft.to.length && draft.batch) return draft.to.map((to) => ({ to: [to.addrSpec], cc, bcc }));
  return [{ to: bare(draft.to), cc, bcc }];
}

/** Template checks, then espExtra: the steps that need several features. */
function settle(draft: BrevoDraft, context: PayloadContext): Record<string, unknown> | undefined {
  const { shared, common, extra } = draft;
  const template = shared.templateId !== undefined;
  if (template) {
    // Brevo ignores htmlContent/textContent when templateId is given: refuse rather than drop them silently.
    for (const [field, feature] of [['htmlContent', 'htmlBody'], ['textContent', 'textBody']] as const) {
      if (common[field] !== undefined) {
        context.unsupported(feature, 'with templateId (the Brevo template supplies the body)');
        delete common[field];
      }
    }
  } else {
    if (!isEmpty(draft.mergeGlobalData)) context.unsupported('mergeGlobalData', 'without templateId (Brevo merges params only into stored templates)');
    if (Object.values(draft.mergeData ?? {}).some((data) => !isEmpty(data))) {
      context.unsupported('mergeData', 'without templateId (Brevo merges params only into stored templates)');
    }
    draft.mergeGlobalData = undefined;
    draft.mergeData = undefined;
  }
  if (extra.sender) shared.sender = extra.sender;
  if (extra.batchId) shared.batchId = extra.batchId;
  if (extra.headers) {
    for (const [name, item] of Object.entries(extra.headers)) checkAscii(`espExtra.headers (${name})`, item, context);
    shared.headers = { ...shared.headers, ...extra.headers };
  }
  if (extra.tags) shared.tags = [...new Set([...(shared.tags ?? []), ...extra.tags])];
  if (extra.attachment) shared.attachment = [...(shared.attachment ?? []), ...extra.attachment];
  const params = { ...draft.mergeGlobalData, ...extra.params };
  return isEmpty(params) ? undefined : params;
}

/** The X-Mailin-custom header (and mergeHeaders) of one batch recipient. */
function recipientHeaders(draft: BrevoDraft, email: string, context: PayloadContext): Record<string, string> | undefined {
  const metadata = draft.mergeMetadata?.[email];
  const merged = metadata ? { ...draft.metadata, ...metadata } : draft.metadata;
  const headers: Record<string, string> = {};
  if (merged) headers['X-Mailin-custom'] = metadataHeader(merged, metadata ? 'mergeMetadata' : 'metadata', context);
  Object.assign(headers, draft.mergeHeaders?.[email]);
  return isEmpty(headers) ? undefined : { ...draft.shared.headers, ...headers };
}

/** The message's versions: one per To recipient for a batch send, else one for everyone. */
function versionsOf(draft: BrevoDraft, params: Record<string, unknown> | undefined, context: PayloadContext): BrevoVersion[] {
  const common: Omit<BrevoVersion, 'to'> = { ...draft.common };
  if (draft.cc.length > 0) common.cc = draft.cc.map(brevoAddress);
  if (draft.bcc.length > 0) common.bcc = draft.bcc.map(brevoAddress);
  const withOptional = (version: BrevoVersion, versionParams: Record<string, unknown> | undefined, headers: Record<string, string> | undefined) => {
    if (versionParams && !isEmpty(versionParams)) version.params = versionParams;
    if (headers) version.headers = headers;
    return version;
  };
  if (draft.batch && draft.to.length > 0) {
    return draft.to.map((to) => {
      const data = draft.mergeData?.[to.addrSpec];
      return withOptional({ to: [brevoAddress(to)], ...common }, data ? { ...params, ...data } : params, recipientHeaders(draft, to.addrSpec, context));
    });
  }
  const metadata = draft.metadata ? { ...draft.shared.headers, 'X-Mailin-custom': metadataHeader(draft.metadata, 'metadata', context) } : undefined;
  return [withOptional({ to: draft.to.map(brevoAddress), ...common }, params, metadata)];
}

/** Brevo's documented per-request limits, checked before sending rather than answered 400. */
function checkLimits(versions: readonly BrevoVersion[], context: PayloadContext): void {
  const recipients = versions.reduce((sum, version) => sum + version.to.length + (version.cc?.length ?? 0) + (version.bcc?.length ?? 0), 0);
  if (recipients > BREVO_MAX_RECIPIENTS) {
    context.unsupported('to', `${recipients} recipients in one send (Brevo takes at most ${BREVO_MAX_RECIPIENTS} per request; split the message)`);
  }
  let total = 0;
  for (const version of versions) {
    const bytes = version.params ? Buffer.byteLength(JSON.stringify(version.params)) : 0;
    total += bytes;
    if (bytes > BREVO_MAX_VERSION_PARAMS_BYTES) context.unsupported('mergeData', 'params over 100 KB for one recipient (Brevo\'s limit)');
  }
  if (total > BREVO_MAX_PARAMS_BYTES) context.unsupported('mergeData', 'params over 1000 KB in one send (Brevo\'s limit; split the message)');
}

/** After every feature: template checks, espExtra, per-recipient versions, limits; then the request. */
export function finishBrevo(draft: BrevoDraft, context: PayloadContext, settings: BrevoSettings): EspRequest<BrevoRequestContext> {
  const params = settle(draft, context);
  const versions = versionsOf(draft, params, context);
  checkLimits(versions, context);
  const contentFields = (['subject', 'htmlContent', 'textContent'] as const).filter((field) => versions[0]![field] !== undefined).join(',');
  const requestContext: BrevoRequestContext = {
    shared: draft.shared,
    versions,
    contentFields,
    batch: draft.batch && draft.to.length > 0,
    recipients: recipientsOf(draft, versions.length),
  };
  return brevoRequest(renderBrevoBody([requestContext]), requestContext, settings);
}
