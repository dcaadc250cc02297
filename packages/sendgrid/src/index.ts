export {};
export { trackingWebhook, type SendGridTrackingWebhookOptions } from './sendgrid-webhook.js';
