export { trackingWebhook, resendEvent, type ResendTrackingWebhookOptions, type ResendSignedWebhookOptions } from './resend-webhook.js';
export { inboundWebhook, resendInboundEvent, type ResendInboundWebhookOptions } from './resend-inbound.js';
export { type ResendBackendOptions, RESEND_DEFAULT_API_URL } from './resend-options.js';
export { RESEND_ERROR_CATEGORIES, RESEND_RETRY_DELAYS_MS, resendErrorCategory, resendErrorCode } from './resend-errors.js';
export { resendExtraSchema, resendTagSchema, type ResendExtra, type ResendTag, RESEND_METADATA_HEADER, RESEND_TAGS_HEADER } from './resend-extra.js';
