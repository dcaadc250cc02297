export {};
export { trackingWebhook, type MailgunTrackingWebhookOptions } from './mailgun-webhook.js';
