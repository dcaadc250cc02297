// @anymail/core/esp: the kit for writing an ESP backend. Applications use @anymail/core.
// (These names are also re-exported from @anymail/core for compatibility with existing packages.)
export * from './esp-request.js';
export * from './esp-features.js';
export * from './http-transport.js';
export * from './resolve-features.js';
export * from './base-esp-backend.js';
export * from './esp-options.js';
export * from './esp-extra.js';
export * from './esp-response.js';
export * from './define-esp.js';
export { parseJsonLossless } from '../json-lossless.js';
export type { SendDriver, SendJob, Delivery, FailedDelivery, SkippedDelivery, CombinedDelivery } from '../backends/send-pipeline.js';
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
export { loadSetting, parseBooleanSetting, settingEnvNames, type LoadSettingOptions } from '../settings.js';
export { checkOptions, closestName } from '../options-check.js';
// What a definition's setters use: addresses, header checks, message types.
export { asciiDomain, formatAddress, parseAddress, parseAddressList, type ParsedAddress, type FormatAddressOptions } from '../address.js';
export { DEFAULT_ATTACHMENT_MIMETYPE } from '../mimetypes.js';
export {
  assertAddressHeader,
  assertAddressList,
  assertHeaderList,
  assertHeaderName,
  assertHeaderValue,
  assertHeaders,
} from '../header-safety.js';
export { deepMerge } from '../message-defaults.js';
export type { Alternative, Attachment, EmailMessage, JsonObject, JsonValue } from '../message.js';
