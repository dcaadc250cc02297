export { MailgunBackend } from './mailgun-backend.js';
export { MAILGUN_API_URLS, type MailgunBackendOptions, type MailgunRegion } from './mailgun-options.js';
export { mailgunExtraSchema, type MailgunEspExtra, type MailgunExtra } from './mailgun-extra.js';
export type { MailgunSendResponse } from './mailgun-response.js';
export { trackingWebhook, type MailgunTrackingWebhookOptions } from './mailgun-webhook.js';
export { inboundWebhook, mailgunInboundEvent, type MailgunInboundWebhookOptions } from './mailgun-inbound.js';
export { isInboundForm, type MailgunSignature } from './mailgun-webhook.js';
