export { MailerSendBackend } from './mailersend-backend.js';
export { mailerSendEsp } from './mailersend-esp.js';
export { MAILERSEND_BULK_MAX_PART_BYTES } from './mailersend-batch.js';
export {
  type MailerSendBackendOptions,
  type MailerSendBatchSendMode,
  MAILERSEND_DEFAULT_API_URL,
  MAILERSEND_BULK_MAX_MESSAGES,
} from './mailersend-options.js';
export { MAILERSEND_ERROR_CATEGORIES, describeMailerSendError } from './mailersend-errors.js';
export { mailerSendExtraSchema, type MailerSendExtra } from './mailersend-extra.js';
export type {
  MailerSendMessage,
  MailerSendAddress,
  MailerSendAttachment,
  MailerSendPersonalization,
  MailerSendEndpoint,
} from './mailersend-payload.js';
export type { MailerSendEspResponse } from './mailersend-response.js';
export { trackingWebhook, mailerSendEvent, type MailerSendTrackingWebhookOptions } from './mailersend-webhook.js';
export { inboundWebhook, mailerSendInboundEvent, type MailerSendInboundWebhookOptions } from './mailersend-inbound.js';
export { MAILERSEND_ACTIVITY_TYPES } from './mailersend-event-map.js';
