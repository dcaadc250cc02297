import { EspBackend } from '@anymail/core/esp';
import { sesEsp } from './ses-esp.js';
import type { SesExtra } from './ses-extra.js';
import type { SesBackendOptions, SesSettings } from './ses-options.js';
import type { SesDraft, SesRequestContext } from './ses-payload.js';

/** Sends through Amazon SES v2, SigV4-signed; everything it knows is `sesEsp` (ses-esp.ts). */
export class SesBackend extends EspBackend<SesSettings, SesDraft, SesRequestContext, SesExtra> {
  constructor(options: SesBackendOptions = {}) {
    super(sesEsp, options);
  }

  /** The region requests are signed for (resolved from the profile's config at the first send if not given). */
  get region(): string | undefined {
    return this.settings.region.value;
  }

  /** The configuration set every message uses (unless its `espExtra.ConfigurationSetName` says otherwise). */
  get configurationSetName(): string | undefined {
    return this.settings.configurationSetName;
  }
}
