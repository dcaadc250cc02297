import { EspBackend } from '@anymail/core/esp';
import { mailjetEsp } from './mailjet-esp.js';
import type { MailjetExtra } from './mailjet-extra.js';
import type { MailjetBackendOptions, MailjetSettings } from './mailjet-options.js';
import type { MailjetDraft, MailjetRequestContext } from './mailjet-payload.js';

/** Sends through Mailjet's Send API v3.1; everything it knows is `mailjetEsp` (mailjet-esp.ts). */
export class MailjetBackend extends EspBackend<MailjetSettings, MailjetDraft, MailjetRequestContext, MailjetExtra> {
  constructor(options: MailjetBackendOptions = {}) {
    super(mailjetEsp, options);
  }
}
