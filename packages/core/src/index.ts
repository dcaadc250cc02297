export * from './errors.js';
export * from './status.js';
export * from './signal.js';
export * from './signals.js';
export * from './address.js';
export * from './header-safety.js';
export * from './mimetypes.js';
export * from './message.js';
export * from './message-codec.js';
export { jsonProblem } from './json-faithful.js';
export { resolveMessage, deepMerge, FALLBACK_FROM_EMAIL, type SendDefaults } from './message-defaults.js';
export * from './settings.js';
export * from './connection.js';
export * from './mail.js';
export * from './backends/base-email-backend.js';
export * from './backends/send-result.js';
export type { SendDriver, SendJob, Delivery, FailedDelivery, SkippedDelivery, CombinedDelivery } from './backends/send-pipeline.js';
export * from './backends/local-backend.js';
export * from './backends/console-backend.js';
export * from './backends/file-backend.js';
export * from './backends/memory-backend.js';
export * from './backends/dummy-backend.js';
export * from './backends/smtp-backend.js';
export * from './tracking/tracking-event.js';
export * from './tracking/webhook-auth.js';
export * from './tracking/replay-cache.js';
export { DEFAULT_MAX_WEBHOOK_BODY_BYTES } from './tracking/webhook-body.js';
export * from './tracking/webhook-request.js';
export * from './tracking/webhook-pipeline.js';
export * from './tracking/webhook-handler.js';
export * from './tracking/signed-webhook.js';
export * from './inbound/inbound-message.js';
export * from './inbound/inbound-event.js';
export {
  parseInboundMime,
  sanitizeHeaderText,
  headerValue,
  parseSpamScore,
  MAX_MIME_PARTS,
  type InboundExtrasSource,
} from './inbound/inbound-mime.js';
export { constructInboundMime, type InboundFields, type InboundFieldAttachment } from './inbound/inbound-construct.js';
export * from './inbound/inbound-handler.js';
export { misroutedWebhook } from './inbound/misrouted.js';
export { isFormRequest, requestForm, formText, formBytes, formFieldBytes, formJson, formToObject } from './inbound/inbound-form.js';
// ESP layer
export * from './esp/esp-request.js';
export * from './esp/esp-features.js';
export * from './esp/http-transport.js';
export * from './esp/resolve-features.js';
export * from './esp/base-esp-backend.js';
export { enableTestNetworkGuard, disableTestNetworkGuard, testNetworkGuardState } from './esp/test-network-guard.js';
export * from './failover/failure-policy.js';
export * from './failover/select-strategy.js';
export * from './failover/priority-strategy.js';
export * from './failover/round-robin-strategy.js';
export * from './failover/weighted-strategy.js';
export * from './failover/health-store.js';
export * from './failover/circuit-breaker.js';
export * from './failover/failover-backend.js';
export * from './esp/esp-options.js';
export { parseJsonLossless } from './json-lossless.js';
export { checkOptions, closestName } from './options-check.js';
