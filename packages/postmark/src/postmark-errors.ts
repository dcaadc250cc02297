import type { FailureCategory } from '@anymail/core';

/**
 * Postmark API `ErrorCode` → failure category, from Postmark's error-code table
 * (https://postmarkapp.com/developer/api/overview#error-codes). Problems with this server,
 * account or token are `auth`: a person must fix them, and another ESP may still send.
 * Problems with the message itself are `invalid-request`: every ESP would refuse it.
 */
export const POSTMARK_ERROR_CATEGORIES: Readonly<Record<number, FailureCategory>> = {
  10: 'auth', // Bad or missing API token
  100: 'server', // Maintenance
  300: 'invalid-request', // Invalid email request
  400: 'auth', // Sender signature not found
  401: 'auth', // Sender signature not confirmed
  402: 'invalid-request', // Invalid JSON
  403: 'invalid-request', // Incompatible JSON (unknown or invalid field)
  405: 'auth', // Not allowed to send (account out of credits, server paused)
  406: 'recipients-refused', // Inactive recipient
  409: 'invalid-request', // JSON required
  410: 'invalid-request', // Too many batch messages
  411: 'invalid-request', // Forbidden attachment type
  412: 'auth', // Account is pending approval
  413: 'auth', // Account may not send
  422: 'auth', // Invalid server or account
  429: 'rate-limit', // Rate limit exceeded
  1101: 'invalid-request', // Template not found or not valid
  1109: 'invalid-request', // Template data missing
  1120: 'invalid-request', // TemplateModel missing or invalid
  1122: 'invalid-request', // Reserved TemplateModel key
  1123: 'invalid-request', // Templated and non-templated messages mixed
  1235: 'invalid-request', // MessageStream does not exist on this server
  1236: 'invalid-request', // The stream type cannot send
  1480: 'auth', // Sending IP address not allowed for this server
};

/** The category of a Postmark `ErrorCode`; unknown codes fall back to the HTTP status's category. */
export function postmarkErrorCategory(errorCode: number, fallback: FailureCategory): FailureCategory {
  return POSTMARK_ERROR_CATEGORIES[errorCode] ?? fallback;
}

/** A stable Anymail error code for a Postmark `ErrorCode`, e.g. `POSTMARK_300`. */
export function postmarkErrorCode(errorCode: number): string {
  return `POSTMARK_${errorCode}`;
}
