import { defineEsp } from '@anymail/core/esp';
import { sendGridErrors } from './sendgrid-errors.js';
import { assertSendGridExtraHeaders } from './sendgrid-extra.js';
import { sendGridOptions, sendGridSettings } from './sendgrid-options.js';
import { finishSendGrid, newSendGridDraft, sendGridFeatures } from './sendgrid-payload.js';
import { sendGridResponse } from './sendgrid-response.js';
import { sendGridEspExtraSchema } from './sendgrid-extra.js';

/**
 * SendGrid's v3 Mail Send API (`POST <apiUrl>mail/send`, JSON, Bearer auth), declared once.
 * Merge sends are one request with a personalization per recipient.
 * @see https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
 */
export const sendGridEsp = defineEsp({
  name: 'SendGrid',
  options: sendGridOptions,
  settings: sendGridSettings,
  shared: (settings) => ({ timeoutMs: settings.timeoutMs }),
  apiUrl: (settings) => settings.apiUrl,
  extra: sendGridEspExtraSchema,
  checkExtra: assertSendGridExtraHeaders,
  draft: newSendGridDraft,
  features: sendGridFeatures,
  featureNotes: {
    from: 'one address',
    metadata: 'values become strings (custom_args)',
    tags: 'categories (up to 10)',
    mergeData: 'one personalization per to',
  },
  finish: finishSendGrid,
  response: sendGridResponse,
  errors: sendGridErrors,
  secrets: (settings) => [settings.apiKey],
});
