export {};
export { trackingWebhook, type SesTrackingWebhookOptions } from './ses-webhook.js';
