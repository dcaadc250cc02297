export { SesBackend } from './ses-backend.js';
export { SES_ESP_NAME, type SesBackendOptions } from './ses-options.js';
export { sesFeatures, type SesRequestContext } from './ses-payload.js';
export { SES_ERROR_CATEGORIES, describeSesError } from './ses-errors.js';
export { sesExtraSchema, type SesExtra } from './ses-extra.js';
export { SesCredentialProvider, resolveCredentials, resolveRegion, type AwsCredentials, type AwsCredentialsProvider, type SesCredentialsOptions } from './ses-credentials.js';
export { signRequest, type AwsSigningCredentials, type SignRequestInput, type SigV4Headers } from './ses-sigv4.js';
export { trackingWebhook, type SesTrackingWebhookOptions } from './ses-webhook.js';
