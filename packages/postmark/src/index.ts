export {};
export { trackingWebhook, type PostmarkTrackingWebhookOptions } from './postmark-webhook.js';
