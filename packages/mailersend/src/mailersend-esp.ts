import { defineEsp } from '@anymail/core/esp';
import { mailerSendCombinedSend } from './mailersend-batch.js';
import { mailerSendErrors } from './mailersend-errors.js';
import { assertMailerSendExtraHeaders, mailerSendExtraSchema } from './mailersend-extra.js';
import { mailerSendOptions, mailerSendSettings } from './mailersend-options.js';
import { finishMailerSend, mailerSendFeatures, newMailerSendDraft } from './mailersend-payload.js';
import { mailerSendResponse } from './mailersend-response.js';

/**
 * MailerSend's email API (https://developers.mailersend.com/api/v1/email.html), declared once:
 * `POST email` for one message (answered at once, `x-message-id`), and `POST bulk-email` for
 * `sendMessages` of several messages and for per-recipient merge sends in `use-bulk-email` mode
 * (answered with a `bulk_email_id`; MailerSend checks those messages later).
 */
export const mailerSendEsp = defineEsp({
  name: 'MailerSend',
  options: mailerSendOptions,
  settings: mailerSendSettings,
  apiUrl: (settings) => settings.apiUrl,
  extra: mailerSendExtraSchema,
  checkExtra: assertMailerSendExtraHeaders,
  draft: newMailerSendDraft,
  features: mailerSendFeatures,
  featureNotes: {
    from: 'one address',
    replyTo: 'one address',
    headers: 'Enterprise plans (In-Reply-To, Precedence: any plan)',
    mergeData: 'batchSendMode for several To',
    mergeGlobalData: 'as personalization',
  },
  finish: finishMailerSend,
  response: mailerSendResponse,
  errors: mailerSendErrors,
  combine: mailerSendCombinedSend,
  secrets: (settings) => [settings.apiToken],
});
