export { ResendBackend } from './resend-backend.js';
export { resendEsp } from './resend-esp.js';
export { type ResendBackendOptions, RESEND_DEFAULT_API_URL } from './resend-options.js';
export { RESEND_ERROR_CATEGORIES, RESEND_RETRY_DELAYS_MS, resendErrorCategory, resendErrorCode } from './resend-errors.js';
export { resendExtraSchema, resendTagSchema, type ResendExtra, type ResendTag, RESEND_METADATA_HEADER, RESEND_TAGS_HEADER } from './resend-extra.js';
export { RESEND_BATCH_MAX_MESSAGES } from './resend-batch.js';
export type { ResendEmail, ResendAttachment, ResendEndpoint, ResendRequestContext } from './resend-payload.js';
export { trackingWebhook, resendEvent, type ResendTrackingWebhookOptions, type ResendSignedWebhookOptions } from './resend-webhook.js';
export { inboundWebhook, resendInboundEvent, type ResendInboundWebhookOptions } from './resend-inbound.js';
