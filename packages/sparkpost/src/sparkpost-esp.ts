import { defineEsp } from '@anymail/core/esp';
import { sparkPostCombinedSend } from './sparkpost-batch.js';
import { sparkPostErrors } from './sparkpost-errors.js';
import { assertSparkPostExtraHeaders, sparkPostExtraSchema } from './sparkpost-extra.js';
import { sparkPostOptions, sparkPostSettings } from './sparkpost-options.js';
import { finishSparkPost, newSparkPostDraft, sparkPostFeatures } from './sparkpost-payload.js';
import { sparkPostResponse } from './sparkpost-response.js';

/**
 * SparkPost's Transmissions API (https://developers.sparkpost.com/api/transmissions/), declared
 * once: every message is one `POST transmissions`; merge sends are one multi-recipient transmission,
 * and `sendMessages` combines messages with the same content into one.
 */
export const sparkpostEsp = defineEsp({
  name: 'SparkPost',
  options: sparkPostOptions,
  settings: sparkPostSettings,
  apiUrl: (settings) => settings.apiUrl,
  extra: sparkPostExtraSchema,
  checkExtra: assertSparkPostExtraHeaders,
  draft: newSparkPostDraft,
  features: sparkPostFeatures,
  featureNotes: {
    from: 'one address',
    tags: 'one tag (campaign_id)',
    envelopeSender: 'domain may be kept only',
    sendAt: 'up to 3 days ahead',
    templateId: 'no subject, body, attachments, headers or cc',
    mergeHeaders: 'through substitution data',
  },
  finish: finishSparkPost,
  response: sparkPostResponse,
  errors: sparkPostErrors,
  combine: sparkPostCombinedSend,
  secretHeaders: ['authorization'],
  secrets: (settings) => [settings.apiKey],
});
