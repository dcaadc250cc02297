/**
 * `{% inline_image 'logo.png' %}` (post_office's tag): reads an image from the configured
 * images directory, attaches it as an inline (related) part, and writes `cid:<id>`, so
 * `<img src="{% inline_image 'logo.png' %}">` shows it. Paths cannot leave the directory.
 */
import { readFileSync } from 'node:fs';
import { basename, relative, resolve, isAbsolute } from 'node:path';
import { Tag, Value, type Context, type Emitter, type Liquid, type TagToken, type TopLevelToken } from 'liquidjs';
import { guessMimetype, makeContentId } from '@anymail/core';

export interface InlineImage {
  name: string;
  content: Uint8Array;
  mimetype: string;
  contentId: string;
}

/** Render-scoped state the tag writes to (passed as a render global). */
export interface InlineImageCollector {
  images: InlineImage[];
  /** Directory images are read from; undefined disables the tag. */
  directory: string | undefined;
}

export const INLINE_IMAGE_GLOBAL = '__anymailOutboxInlineImages';

export function registerInlineImageTag(engine: Liquid): void {
  engine.registerTag(
    'inline_image',
    class InlineImageTag extends Tag {
      readonly #path: Value;
      constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
        super(token, remainTokens, liquid);
        this.#path = new Value(token.args, liquid);
      }

      *render(context: Context, emitter: Emitter): Generator<unknown, void, unknown> {
        const collector = (context.globals as Record<string, InlineImageCollector | undefined>)[INLINE_IMAGE_GLOBAL];
        const path = String(yield this.#path.value(context, false));
        if (!collector?.directory) throw new Error('inline_image needs the outbox setting `templateImagesDir`.');
        const root = resolve(collector.directory);
        const full = resolve(root, path);
        const inside = relative(root, full);
        if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`inline_image path '${path}' is outside templateImagesDir.`);
        const contentId = makeContentId();
        collector.images.push({
          name: basename(full),
          content: new Uint8Array(readFileSync(full)),
          mimetype: guessMimetype(full) ?? 'application/octet-stream',
          contentId,
        });
        emitter.write(`cid:${contentId}`);
      }
    },
  );
}
