export {};
export { trackingWebhook, type SendGridTrackingWebhookOptions } from './sendgrid-webhook.js';
export { SendGridBackend } from './sendgrid-backend.js';
export {
  SENDGRID_API_URL,
  SENDGRID_EU_API_URL,
  type SendGridBackendOptions,
  type SendGridRegion,
} from './sendgrid-options.js';
export { ANYMAIL_ID_ARG } from './sendgrid-batch.js';
export { sendGridStatusTable } from './sendgrid-errors.js';
export type { SendGridEspResponse } from './sendgrid-response.js';
export {
  sendGridEspExtraSchema,
  type SendGridAddress,
  type SendGridAttachment,
  type SendGridContent,
  type SendGridEspExtra,
  type SendGridMailSendBody,
  type SendGridPersonalization,
} from './sendgrid-types.js';
export { inboundWebhook, sendGridInboundEvent, type SendGridInboundWebhookOptions } from './sendgrid-inbound.js';
