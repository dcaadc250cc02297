export {};
export { trackingWebhook, type PostmarkTrackingWebhookOptions } from './postmark-webhook.js';
export { PostmarkBackend } from './postmark-backend.js';
export { type PostmarkBackendOptions, POSTMARK_DEFAULT_API_URL } from './postmark-options.js';
export { POSTMARK_ERROR_CATEGORIES, postmarkErrorCategory } from './postmark-errors.js';
export { POSTMARK_BATCH_MAX_MESSAGES } from './postmark-batch.js';
export { postmarkExtraSchema, type PostmarkExtra } from './postmark-extra.js';
export type { PostmarkMessage, PostmarkAttachment, PostmarkHeader, PostmarkEndpoint } from './postmark-payload.js';
export type { PostmarkResult } from './postmark-response.js';
