export { SparkPostBackend } from './sparkpost-backend.js';
export { sparkpostEsp } from './sparkpost-esp.js';
export { type SparkPostBackendOptions, SPARKPOST_DEFAULT_API_URL } from './sparkpost-options.js';
export { SPARKPOST_ERROR_CATEGORIES, sparkPostErrorCategory } from './sparkpost-errors.js';
export { SPARKPOST_BATCH_MAX_MESSAGES } from './sparkpost-batch.js';
export { sparkPostExtraSchema, type SparkPostExtra } from './sparkpost-extra.js';
export type { SparkPostTransmission, SparkPostRecipient, SparkPostContent, SparkPostFile, SparkPostRequestContext } from './sparkpost-payload.js';
export type { SparkPostResult } from './sparkpost-response.js';
export { trackingWebhook, sparkPostEvent, type SparkPostTrackingWebhookOptions } from './sparkpost-webhook.js';
export { inboundWebhook, sparkPostInboundEvent, type SparkPostInboundWebhookOptions } from './sparkpost-inbound.js';
export type { SparkPostBatchItem } from './sparkpost-envelope.js';
export {
  SPARKPOST_EVENT_TYPES,
  SPARKPOST_BOUNCE_CLASSES,
  SPARKPOST_EVENT_REJECT_REASONS,
} from './sparkpost-event-map.js';
