// @anymail/core/esp: the kit for writing an ESP backend. Applications use @anymail/core.
// (These names are also re-exported from @anymail/core for compatibility with existing packages.)
export * from './esp-request.js';
export * from './esp-features.js';
export * from './http-transport.js';
export * from './resolve-features.js';
export * from './base-esp-backend.js';
export * from './esp-options.js';
export type { SendDriver, SendJob, Delivery, SkippedDelivery, CombinedDelivery } from '../backends/send-pipeline.js';
export { AnymailStatus, recipientStatusMap, type RecipientStatus, type SendStatusName } from '../status.js';
export {
  AnymailAPIError,
  AnymailConfigurationError,
  AnymailError,
  AnymailRecipientsRefused,
  AnymailSerializationError,
  AnymailUnsupportedFeature,
  classifyHttpStatus,
  parseRetryAfter,
  type FailureCategory,
} from '../errors.js';
export { loadSetting, settingEnvNames, type LoadSettingOptions } from '../settings.js';
export { checkOptions, closestName } from '../options-check.js';
