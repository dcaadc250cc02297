export { trackingWebhook, brevoEvent, type BrevoTrackingWebhookOptions } from './brevo-webhook.js';
export { inboundWebhook, brevoInboundEvent, type BrevoInboundWebhookOptions, type BrevoFetch } from './brevo-inbound.js';
export type { BrevoWebhookAuthOptions } from './brevo-webhook-auth.js';
export { type BrevoBackendOptions, BREVO_DEFAULT_API_URL } from './brevo-options.js';
export { BREVO_ERROR_CATEGORIES, brevoErrorCategory } from './brevo-errors.js';
export { BREVO_EVENT_TYPES } from './brevo-event-map.js';
