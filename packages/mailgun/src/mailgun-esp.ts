import { defineEsp } from '@anymail/core/esp';
import { mailgunErrors } from './mailgun-errors.js';
import { assertMailgunExtraHeaders, mailgunExtraSchema } from './mailgun-extra.js';
import { mailgunOptions, mailgunSettings } from './mailgun-options.js';
import { finishMailgun, mailgunFeatures, newMailgunDraft } from './mailgun-payload.js';
import { mailgunResponse } from './mailgun-response.js';

/**
 * Mailgun's send API (`POST /v3/{domain}/messages`, a form), declared once. Per-recipient sends
 * are one request with recipient-variables (mailgun-batch.ts); there is no multi-message endpoint.
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages
 */
export const mailgunEsp = defineEsp({
  name: 'Mailgun',
  options: mailgunOptions,
  settings: mailgunSettings,
  apiUrl: (settings) => settings.apiUrl,
  extra: mailgunExtraSchema,
  checkExtra: assertMailgunExtraHeaders,
  draft: newMailgunDraft,
  features: mailgunFeatures,
  featureNotes: {
    envelopeSender: 'picks the sending domain',
    mergeGlobalData: 'with templateId or mergeData',
  },
  finish: finishMailgun,
  response: mailgunResponse,
  errors: mailgunErrors,
  secretHeaders: ['authorization'],
  secrets: (settings) => [settings.apiKey],
});
