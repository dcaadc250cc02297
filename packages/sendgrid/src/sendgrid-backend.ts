import { EspBackend } from '@anymail/core/esp';
import { sendGridEsp } from './sendgrid-esp.js';
import type { SendGridBackendOptions, SendGridSettings } from './sendgrid-options.js';
import type { SendGridDraft } from './sendgrid-payload.js';
import type { SendGridRequestContext } from './sendgrid-batch.js';
import type { SendGridEspExtraParsed } from './sendgrid-types.js';

/** Sends through SendGrid's v3 Mail Send API; everything it knows is `sendGridEsp` (sendgrid-esp.ts). */
export class SendGridBackend extends EspBackend<SendGridSettings, SendGridDraft, SendGridRequestContext, SendGridEspExtraParsed> {
  constructor(options: SendGridBackendOptions = {}) {
    super(sendGridEsp, options);
  }
}
