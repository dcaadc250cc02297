import { defineEsp } from '@anymail/core/esp';
import { resendCombinedSend } from './resend-batch.js';
import { resendErrors } from './resend-errors.js';
import { checkResendExtra, resendExtraSchema } from './resend-extra.js';
import { resendOptions, resendSettings } from './resend-options.js';
import { finishResend, newResendDraft, resendFeatures } from './resend-payload.js';
import { resendResponse } from './resend-response.js';

/** Resend, declared once: https://resend.com/docs/api-reference/emails/send-email */
export const resendEsp = defineEsp({
  name: 'Resend',
  options: resendOptions,
  settings: resendSettings,
  apiUrl: (settings) => settings.apiUrl,
  extra: resendExtraSchema,
  checkExtra: checkResendExtra,
  draft: newResendDraft,
  features: resendFeatures,
  featureNotes: {
    from: 'one address',
    metadata: 'X-Metadata header',
    tags: 'X-Tags header',
    attachments: 'not with merge sends',
    sendAt: 'not with merge sends',
    mergeData: 'with templateId',
    mergeGlobalData: 'with templateId',
  },
  finish: finishResend,
  response: resendResponse,
  errors: resendErrors,
  combine: resendCombinedSend,
  secrets: (settings) => [settings.apiKey],
});
