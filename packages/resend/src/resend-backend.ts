import { EspBackend } from '@anymail/core/esp';
import { resendEsp } from './resend-esp.js';
import type { ResendExtra } from './resend-extra.js';
import type { ResendBackendOptions, ResendSettings } from './resend-options.js';
import type { ResendDraft, ResendRequestContext } from './resend-payload.js';

/**
 * Sends through Resend's email API (https://resend.com/docs/api-reference/emails/send-email):
 * `POST /emails`, and `POST /emails/batch` for merge sends and for `sendMessages` of several messages.
 */
export class ResendBackend extends EspBackend<ResendSettings, ResendDraft, ResendRequestContext, ResendExtra> {
  constructor(options: ResendBackendOptions = {}) {
    super(resendEsp, options);
  }
}
