import { defineEsp } from '@anymail/core/esp';
import { brevoCombinedSend } from './brevo-batch.js';
import { brevoErrors } from './brevo-errors.js';
import { brevoExtraSchema, checkBrevoExtra } from './brevo-extra.js';
import { brevoOptions, brevoSettings } from './brevo-options.js';
import { brevoFeatures, finishBrevo, newBrevoDraft } from './brevo-payload.js';
import { brevoResponse } from './brevo-response.js';

/**
 * Brevo's transactional email API (https://developers.brevo.com/reference/sendtransacemail),
 * declared once: `POST /v3/smtp/email`, with `messageVersions` for per-recipient (merge) sends and
 * for `sendMessages` of several messages that can share one request.
 */
export const brevoEsp = defineEsp({
  name: 'Brevo',
  options: brevoOptions,
  settings: brevoSettings,
  apiUrl: (settings) => settings.apiUrl,
  extra: brevoExtraSchema,
  checkExtra: checkBrevoExtra,
  draft: newBrevoDraft,
  features: brevoFeatures,
  featureNotes: {
    from: 'one address',
    replyTo: 'one address',
    headers: 'ASCII values',
    metadata: 'ASCII, in X-Mailin-custom',
    attachments: 'no inline images',
    templateId: 'numeric ids',
    mergeData: 'with templateId',
    mergeGlobalData: 'with templateId',
  },
  finish: finishBrevo,
  response: brevoResponse,
  errors: brevoErrors,
  combine: brevoCombinedSend,
  secretHeaders: ['api-key'],
  secrets: (settings) => [settings.apiKey],
});
