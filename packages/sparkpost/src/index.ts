export { trackingWebhook, sparkPostEvent, type SparkPostTrackingWebhookOptions } from './sparkpost-webhook.js';
export { inboundWebhook, sparkPostInboundEvent, type SparkPostInboundWebhookOptions } from './sparkpost-inbound.js';
export type { SparkPostBatchItem } from './sparkpost-envelope.js';
export {
  SPARKPOST_EVENT_TYPES,
  SPARKPOST_BOUNCE_CLASSES,
  SPARKPOST_EVENT_REJECT_REASONS,
} from './sparkpost-event-map.js';
