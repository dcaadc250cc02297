import { createHash } from 'node:crypto';
import { readJsonBody, type AnymailStatus, type CombinedSend, type EspRequest, type EspResponse } from '@anymail/core/esp';
import type { BrevoSettings } from './brevo-options.js';
import { brevoRequest, renderBrevoBody, type BrevoRequestContext } from './brevo-request.js';
import { brevoSendSchema, statusFromIds, versionIds } from './brevo-response.js';

/**
 * Messages per combined request. With at most `BREVO_COMBINE_MAX_RECIPIENTS` recipients each, 100
 * messages stay within Brevo's 2000 recipients per request.
 */
export const BREVO_BATCH_MAX_MESSAGES = 100;
/** A message with more recipients (to, cc and bcc over all its versions) is sent on its own. */
export const BREVO_COMBINE_MAX_RECIPIENTS = 20;
/** A message whose params exceed this is sent on its own (100 × 10 KB stays within Brevo's 1000 KB of params per request). */
export const BREVO_COMBINE_MAX_PARAMS_BYTES = 10 * 1024;
/** A larger request (attachments) is sent on its own: groups wait in memory until they fill or the call ends. */
export const BREVO_COMBINE_MAX_PART_BYTES = 256 * 1024;

function recipientCount(context: BrevoRequestContext): number {
  return context.recipients.reduce((sum, version) => sum + version.to.length + version.cc.length + version.bcc.length, 0);
}

function paramsBytes(context: BrevoRequestContext): number {
  return context.versions.reduce((sum, version) => sum + (version.params ? Buffer.byteLength(JSON.stringify(version.params)) : 0), 0);
}

/**
 * `sendMessages` of several messages → one `POST smtp/email` whose `messageVersions` are the
 * messages (Brevo's batch: one request, one message per version). Versions share the request's
 * sender, template, tags, attachments, custom headers and schedule, so only messages equal in
 * those (and setting the same of subject/htmlContent/textContent) go in one request (`groupKey`).
 * Each message's status is read from its versions' `messageIds` (they keep request order).
 */
export function brevoCombinedSend(settings: Pick<BrevoSettings, 'apiKey'>): CombinedSend<BrevoRequestContext> {
  return {
    maxMessages: BREVO_BATCH_MAX_MESSAGES,
    canCombine(request) {
      const { context } = request;
      // A version needs a `to` (a message with only cc/bcc is sent alone, for Brevo to judge).
      if (context.versions.some((version) => version.to.length === 0)) return false;
      if (typeof request.body !== 'string' || request.body.length > BREVO_COMBINE_MAX_PART_BYTES) return false;
      return recipientCount(context) <= BREVO_COMBINE_MAX_RECIPIENTS && paramsBytes(context) <= BREVO_COMBINE_MAX_PARAMS_BYTES;
    },
    groupKey(request) {
      const { shared, contentFields } = request.context;
      // A digest: the shared fields can hold attachments, and every pending message keeps its key.
      return createHash('sha256').update(contentFields).update('|').update(JSON.stringify(shared)).digest('base64url');
    },
    build(requests) {
      const contexts = requests.map((request) => request.context);
      const context: BrevoRequestContext = {
        shared: contexts[0]!.shared,
        versions: contexts.flatMap((part) => part.versions),
        contentFields: contexts[0]!.contentFields,
        batch: true,
        recipients: contexts.flatMap((part) => part.recipients),
      };
      return brevoRequest(renderBrevoBody(contexts), context, settings);
    },
    parse(response: EspResponse, combined: EspRequest<BrevoRequestContext>, parts): AnymailStatus[] {
      const body = readJsonBody(response, brevoSendSchema);
      const ids = versionIds(body, combined.context.recipients.length, true);
      let next = 0;
      return parts.map((part) => {
        const count = part.context.recipients.length;
        const mine = ids.slice(next, next + count);
        next += count;
        return statusFromIds(mine, part.context.recipients, body);
      });
    },
  };
}
