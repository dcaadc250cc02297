import { EspBackend } from '@anymail/core/esp';
import { mailerSendEsp } from './mailersend-esp.js';
import type { MailerSendExtra } from './mailersend-extra.js';
import type { MailerSendBackendOptions, MailerSendSettings } from './mailersend-options.js';
import type { MailerSendDraft, MailerSendRequestContext } from './mailersend-payload.js';

/** Sends through MailerSend's email API; everything it knows is `mailerSendEsp` (mailersend-esp.ts). */
export class MailerSendBackend extends EspBackend<MailerSendSettings, MailerSendDraft, MailerSendRequestContext, MailerSendExtra> {
  constructor(options: MailerSendBackendOptions = {}) {
    super(mailerSendEsp, options);
  }
}
