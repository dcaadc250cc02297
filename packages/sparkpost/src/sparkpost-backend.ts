import { EspBackend } from '@anymail/core/esp';
import { sparkpostEsp } from './sparkpost-esp.js';
import type { SparkPostExtra } from './sparkpost-extra.js';
import type { SparkPostBackendOptions, SparkPostSettings } from './sparkpost-options.js';
import type { SparkPostDraft, SparkPostRequestContext } from './sparkpost-payload.js';

/** Sends through SparkPost's Transmissions API; everything it knows is `sparkpostEsp` (sparkpost-esp.ts). */
export class SparkPostBackend extends EspBackend<SparkPostSettings, SparkPostDraft, SparkPostRequestContext, SparkPostExtra> {
  constructor(options: SparkPostBackendOptions = {}) {
    super(sparkpostEsp, options);
  }
}
