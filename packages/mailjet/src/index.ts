export { trackingWebhook, mailjetEvent, type MailjetTrackingWebhookOptions } from './mailjet-webhook.js';
export { inboundWebhook, mailjetInboundEvent, isMailjetInbound, type MailjetInboundWebhookOptions } from './mailjet-inbound.js';
export { type MailjetBackendOptions, MAILJET_DEFAULT_API_URL } from './mailjet-options.js';
export { MAILJET_ERROR_CATEGORIES, mailjetErrorCategory } from './mailjet-errors.js';
export { MAILJET_EVENT_TYPES, MAILJET_REJECT_REASONS } from './mailjet-event-map.js';
