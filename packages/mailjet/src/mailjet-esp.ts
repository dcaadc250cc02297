import { defineEsp } from '@anymail/core/esp';
import { mailjetCombinedSend } from './mailjet-batch.js';
import { mailjetErrors } from './mailjet-errors.js';
import { checkMailjetExtra, mailjetExtraSchema } from './mailjet-extra.js';
import { mailjetOptions, mailjetSettings } from './mailjet-options.js';
import { finishMailjet, mailjetFeatures, newMailjetDraft } from './mailjet-payload.js';
import { mailjetResponse } from './mailjet-response.js';

/**
 * Mailjet's Send API v3.1 (https://dev.mailjet.com/email/guides/send-api-v31/), declared once:
 * `POST /v3.1/send` with basic auth, a `Messages` array (one entry per message, or per `to` for a
 * merge send; up to 50 messages per request for `sendMessages`), answered message by message.
 */
export const mailjetEsp = defineEsp({
  name: 'Mailjet',
  options: mailjetOptions,
  settings: mailjetSettings,
  apiUrl: (settings) => settings.apiUrl,
  extra: mailjetExtraSchema,
  checkExtra: checkMailjetExtra,
  draft: newMailjetDraft,
  features: mailjetFeatures,
  featureNotes: {
    from: 'one address',
    replyTo: 'one address',
    tags: 'one tag',
    metadata: 'JSON text in EventPayload',
    templateId: 'numeric id',
    mergeData: 'one message per to, 50 at most',
    envelopeSender: 'as Sender; needs Mailjet approval',
  },
  finish: finishMailjet,
  response: mailjetResponse,
  errors: mailjetErrors,
  combine: mailjetCombinedSend,
  secretHeaders: ['authorization'],
  secrets: (settings) => [settings.secretKey, Buffer.from(`${settings.apiKey}:${settings.secretKey}`).toString('base64')],
});
