import { defineEsp } from '@anymail/core/esp';
import { postmarkCombinedSend } from './postmark-batch.js';
import { postmarkErrors } from './postmark-errors.js';
import { assertPostmarkExtraHeaders, postmarkExtraSchema } from './postmark-extra.js';
import { postmarkOptions, postmarkSettings } from './postmark-options.js';
import { finishPostmark, newPostmarkDraft, postmarkFeatures } from './postmark-payload.js';
import { postmarkResponse } from './postmark-response.js';

/**
 * Postmark's email API (https://postmarkapp.com/developer/api/email-api), declared once:
 * `email`, `email/withTemplate`, and, for per-recipient (merge) sends and `sendMessages` of
 * several messages, `email/batch` and `email/batchWithTemplates`.
 */
export const postmarkEsp = defineEsp({
  name: 'Postmark',
  options: postmarkOptions,
  settings: postmarkSettings,
  apiUrl: (settings) => settings.apiUrl,
  extra: postmarkExtraSchema,
  checkExtra: assertPostmarkExtraHeaders,
  draft: newPostmarkDraft,
  features: postmarkFeatures,
  featureNotes: {
    from: 'one address',
    tags: 'one tag',
    metadata: 'string values',
    mergeData: 'with templateId',
    mergeGlobalData: 'with templateId',
  },
  finish: finishPostmark,
  response: postmarkResponse,
  errors: postmarkErrors,
  combine: postmarkCombinedSend,
  secretHeaders: ['x-postmark-server-token'],
  secrets: (settings) => [settings.serverToken],
});
