import { EspBackend } from '@anymail/core/esp';
import { brevoEsp } from './brevo-esp.js';
import type { BrevoExtra } from './brevo-extra.js';
import type { BrevoBackendOptions, BrevoSettings } from './brevo-options.js';
import type { BrevoDraft, BrevoRequestContext } from './brevo-payload.js';

/** Sends through Brevo's transactional email API; everything it knows is `brevoEsp` (brevo-esp.ts). */
export class BrevoBackend extends EspBackend<BrevoSettings, BrevoDraft, BrevoRequestContext, BrevoExtra> {
  constructor(options: BrevoBackendOptions = {}) {
    super(brevoEsp, options);
  }
}
