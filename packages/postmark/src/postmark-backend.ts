import { EspBackend } from '@anymail/core/esp';
import { postmarkEsp } from './postmark-esp.js';
import type { PostmarkBackendOptions, PostmarkSettings } from './postmark-options.js';
import type { PostmarkDraft, PostmarkRequestContext } from './postmark-payload.js';
import type { PostmarkExtra } from './postmark-extra.js';

/** Sends through Postmark's email API; everything it knows is `postmarkEsp` (postmark-esp.ts). */
export class PostmarkBackend extends EspBackend<PostmarkSettings, PostmarkDraft, PostmarkRequestContext, PostmarkExtra> {
  constructor(options: PostmarkBackendOptions = {}) {
    super(postmarkEsp, options);
  }

  /** The message stream every message goes to unless its `espExtra.MessageStream` says otherwise. */
  get messageStream(): string | undefined {
    return this.settings.messageStream;
  }
}
