/**
 * Templates kept in the database (post_office's EmailTemplate), rendered with LiquidJS:
 * sandboxed (no code, own properties only), HTML autoescaped, translations by language
 * with fallback to the default template, and a cache of parsed templates.
 */
import { Liquid, type Template } from 'liquidjs';
import type { Kysely } from 'kysely';
import { OutboxTemplateError, templateError } from './outbox-errors.js';
import { AnymailConfigurationError } from '@anymail/core';
import { INLINE_IMAGE_GLOBAL, registerInlineImageTag, type InlineImage, type InlineImageCollector } from './outbox-inline-image.js';
import type { OutboxDatabase } from './outbox-schema.js';

export interface OutboxTemplate {
  id: number;
  name: string;
  description: string;
  subject: string;
  content: string;
  htmlContent: string;
  /** '' for the default template, else the translation's language. */
  language: string;
  defaultTemplateId: number | null;
}

export interface TemplateInput {
  name: string;
  description?: string;
  subject?: string;
  content?: string;
  htmlContent?: string;
  /** A translation's language; omit for the default template. */
  language?: string;
  /** The default template this one translates (its name, id or object). */
  defaultTemplate?: string | number | OutboxTemplate;
}

export interface RenderedTemplate {
  subject: string;
  message: string;
  htmlMessage: string;
  /** Images the HTML's `{% inline_image %}` tags attached. */
  inlineImages: InlineImage[];
}

function toTemplate(row: Record<string, any>): OutboxTemplate {
  return {
    id: Number(row.id),
    name: row.name,
    description: row.description,
    subject: row.subject,
    content: row.content,
    htmlContent: row.html_content,
    language: row.language,
    defaultTemplateId: row.default_template_id == null ? null : Number(row.default_template_id),
  };
}

/** The engine options every outbox template renders with (the admin's editor checks with the same). */
export const liquidOptions = { ownPropertyOnly: true, strictFilters: true, cache: false } as const;

export class OutboxTemplates {
  readonly #db: () => Kysely<OutboxDatabase>;
  readonly #cacheMs: number;
  readonly #imagesDir: string | undefined;
  readonly #text = new Liquid({ ...liquidOptions });
  readonly #html = new Liquid({ ...liquidOptions, outputEscape: 'escape' });
  readonly #rows = new Map<string, { at: number; template: OutboxTemplate }>();
  readonly #parsed = new Map<string, Template[]>();

  readonly #languageFallback: boolean;

  constructor(db: () => Kysely<OutboxDatabase>, cacheMs: number, imagesDir?: string, languageFallback = false) {
    this.#db = db;
    this.#cacheMs = cacheMs;
    this.#imagesDir = imagesDir;
    this.#languageFallback = languageFallback;
    registerInlineImageTag(this.#html);
  }

  /** Drop every cached template (after editing templates from another process, say). */
  clearCache(): void {
    this.#rows.clear();
    this.#parsed.clear();
  }

  /** Parse every field now, so a broken template is refused where it is written, not at the next send. */
  #compile(template: { name: string; language: string; subject: string; content: string; htmlContent: string }): void {
    const fields = [
      [this.#text, 'subject', template.subject],
      [this.#text, 'content', template.content],
      [this.#html, 'htmlContent', template.htmlContent],
    ] as const;
    for (const [engine, field, source] of fields) {
      try {
        engine.parse(source);
      } catch (error) {
        throw templateError(error, { name: template.name, language: template.language, field }, 'compile');
      }
    }
  }

  async create(input: TemplateInput): Promise<OutboxTemplate> {
    this.#compile({ name: input.name, language: input.language ?? '', subject: input.subject ?? '', content: input.content ?? '', htmlContent: input.htmlContent ?? '' });
    const now = Date.now();
    let defaultTemplateId: number | null = null;
    if (input.defaultTemplate !== undefined) defaultTemplateId = (await this.#resolve(input.defaultTemplate)).id;
    else if (input.language) defaultTemplateId = (await this.get(input.name).catch(() => null))?.id ?? null;
    const row = await this.#db()
      .insertInto('outbox_template')
      .values({
        name: input.name,
        description: input.description ?? '',
        subject: input.subject ?? '',
        content: input.content ?? '',
        html_content: input.htmlContent ?? '',
        language: input.language ?? '',
        default_template_id: defaultTemplateId,
        created: now,
        last_updated: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.clearCache();
    return toTemplate(row);
  }

  async update(id: number, changes: Partial<Omit<TemplateInput, 'defaultTemplate'>>): Promise<OutboxTemplate> {
    const current = await this.getById(id);
    this.#compile({ ...current, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) });
    const row = await this.#db()
      .updateTable('outbox_template')
      .set({
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.subject === undefined ? {} : { subject: changes.subject }),
        ...(changes.content === undefined ? {} : { content: changes.content }),
        ...(changes.htmlContent === undefined ? {} : { html_content: changes.htmlContent }),
        ...(changes.language === undefined ? {} : { language: changes.language }),
        last_updated: Date.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    this.clearCache();
    return toTemplate(row);
  }

  async delete(id: number): Promise<void> {
    await this.#db().deleteFrom('outbox_template').where('id', '=', id).execute();
    this.clearCache();
  }

  async list(): Promise<OutboxTemplate[]> {
    const rows = await this.#db().selectFrom('outbox_template').selectAll().orderBy('name').orderBy('language').execute();
    return rows.map(toTemplate);
  }

  /**
   * The template `name` in `language`. A missing translation is an error (as in post_office)
   * unless the outbox's `templateLanguageFallback` is set: then the default template is used.
   */
  /** `db` reads through the caller's transaction (SQLite has one connection: the root would wait on it). */
  async get(name: string, language = '', db: Kysely<OutboxDatabase> = this.#db()): Promise<OutboxTemplate> {
    const key = `${name}\u0000${language}`;
    const cached = this.#rows.get(key);
    if (cached && Date.now() - cached.at < this.#cacheMs) return cached.template;
    const rows = await db
      .selectFrom('outbox_template')
      .selectAll()
      .where('name', '=', name)
      .where('language', 'in', language === '' ? [''] : [language, ''])
      .execute();
    const translated = rows.find((r) => r.language === language);
    if (!translated && language !== '' && !this.#languageFallback && rows.some((r) => r.language === '')) {
      throw new OutboxTemplateError(
        `Outbox template '${name}' has no '${language}' translation. Create it (templates.create({ name: '${name}', language: '${language}', … })), or set templateLanguageFallback: true to send the default template instead.`,
      );
    }
    const row = translated ?? rows.find((r) => r.language === '');
    if (!row) {
      throw new AnymailConfigurationError(
        `Outbox template '${name}'${language ? ` (language '${language}')` : ''} does not exist. Create it with outbox.templates.create().`,
      );
    }
    const template = toTemplate(row);
    if (this.#cacheMs > 0) this.#rows.set(key, { at: Date.now(), template });
    return template;
  }

  async getById(id: number): Promise<OutboxTemplate> {
    const row = await this.#db().selectFrom('outbox_template').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AnymailConfigurationError(`Outbox template #${id} does not exist (deleted after the email was queued?).`);
    return toTemplate(row);
  }

  /** The translation `language` of a template you hold (same rules as `get`). */
  async inLanguage(template: OutboxTemplate, language: string, db: Kysely<OutboxDatabase> = this.#db()): Promise<OutboxTemplate> {
    if (language === '' || template.language === language) return template;
    const base = template.defaultTemplateId === null ? template : await this.getById(template.defaultTemplateId);
    return this.get(base.name, language, db);
  }

  /**
   * Render strings given at send time with a context (post_office renders subject, message
   * and html_message when a context comes without a template). Not cached: every email may differ.
   */
  async renderStrings(content: { subject: string; message: string; htmlMessage: string }, context: Record<string, unknown>): Promise<RenderedTemplate> {
    const inline: OutboxTemplate = { id: -1, name: '(given at send)', description: '', subject: content.subject, content: content.message, htmlContent: content.htmlMessage, language: '', defaultTemplateId: null };
    return this.render(inline, context);
  }

  /** Render subject and text without escaping, HTML with autoescape. */
  async render(template: OutboxTemplate, context: Record<string, unknown>): Promise<RenderedTemplate> {
    const collector: InlineImageCollector = { images: [], directory: this.#imagesDir };
    const [subject, message, htmlMessage] = await Promise.all([
      this.#render(this.#text, template, 'subject', template.subject, context, collector),
      this.#render(this.#text, template, 'content', template.content, context, collector),
      this.#render(this.#html, template, 'html', template.htmlContent, context, collector),
    ]);
    return { subject, message, htmlMessage, inlineImages: collector.images };
  }

  async #render(
    engine: Liquid,
    template: OutboxTemplate,
    field: string,
    source: string,
    context: Record<string, unknown>,
    collector: InlineImageCollector,
  ) {
    if (source === '') return '';
    const key = `${template.id}:${field}:${source}`;
    const where = { name: template.name, language: template.language, field };
    const cache = this.#cacheMs > 0 && template.id >= 0;
    let parsed = cache ? this.#parsed.get(key) : undefined;
    if (!parsed) {
      try {
        parsed = engine.parse(source);
      } catch (error) {
        throw templateError(error, where, 'compile');
      }
      if (cache) this.#parsed.set(key, parsed);
    }
    try {
      return String(await engine.render(parsed, context, { globals: { [INLINE_IMAGE_GLOBAL]: collector } }));
    } catch (error) {
      // The inline_image tag's own messages (outside templateImagesDir…) stay readable inside.
      throw templateError(error, where, 'render');
    }
  }

  async #resolve(ref: string | number | OutboxTemplate): Promise<OutboxTemplate> {
    if (typeof ref === 'object') return ref;
    return typeof ref === 'number' ? this.getById(ref) : this.get(ref);
  }
}
