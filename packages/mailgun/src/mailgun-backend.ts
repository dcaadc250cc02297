import { EspBackend } from '@anymail/core/esp';
import { mailgunEsp } from './mailgun-esp.js';
import type { MailgunExtra } from './mailgun-extra.js';
import type { MailgunBackendOptions, MailgunSettings } from './mailgun-options.js';
import type { MailgunDraft, MailgunRequestContext } from './mailgun-payload.js';

/**
 * Sends through Mailgun's `POST /v3/{domain}/messages`; everything it knows is `mailgunEsp` (mailgun-esp.ts).
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages
 */
export class MailgunBackend extends EspBackend<MailgunSettings, MailgunDraft, MailgunRequestContext, MailgunExtra> {
  constructor(options: MailgunBackendOptions = {}) {
    super(mailgunEsp, options);
  }

  /** The sender domain from options or the environment (messages may pick another). */
  get senderDomain(): string | undefined {
    return this.settings.senderDomain;
  }
}
