/**
 * The template editor's check and preview: parse and render an unsaved template's three
 * fields against a sample JSON context with the outbox's own engine options, and report each
 * error at its field, line and column (LiquidJS tokens carry positions; JSON.parse errors
 * carry an offset), with the offending line and a caret under the column.
 */
import { Liquid } from 'liquidjs';
import { INLINE_IMAGE_GLOBAL, registerInlineImageTag, type InlineImageCollector } from '../outbox-inline-image.js';
import { liquidOptions } from '../outbox-templates.js';
import { jsonErrorOffset } from './admin-json-position.js';

export type TemplateField = 'subject' | 'content' | 'html' | 'context';

export interface TemplateProblem {
  field: TemplateField;
  line?: number;
  col?: number;
  message: string;
  /** The line with a caret under the column. */
  excerpt?: string;
}

export interface TemplateDraft {
  subject: string;
  content: string;
  html: string;
  /** Sample context, as JSON text. */
  context: string;
}

export interface TemplateCheck {
  errors: TemplateProblem[];
  subject: string;
  text: string;
  html: string;
  /** Inline images the HTML attached: Content-ID to data: URL. */
  inlineImages: Map<string, string>;
}

const text = new Liquid({ ...liquidOptions });
const htmlEngine = new Liquid({ ...liquidOptions, outputEscape: 'escape' });
registerInlineImageTag(htmlEngine);

function excerpt(source: string, line: number, col: number): string {
  const row = source.split('\n')[line - 1] ?? '';
  return `${row}\n${' '.repeat(Math.max(0, col - 1))}^`;
}

function problem(field: TemplateField, source: string, error: unknown): TemplateProblem {
  const err = error as { message?: string; token?: { getPosition?: () => [number, number] } };
  const position = err.token?.getPosition?.();
  // LiquidJS appends ", line:L, col:C" to its messages; the position is shown apart.
  const message = String(err.message ?? error).replace(/, line:\d+, col:\d+$/, '');
  if (!position) return { field, message };
  const [line, col] = position;
  return { field, line, col, message, excerpt: excerpt(source, line, col) };
}

function parseContext(source: string): { context: Record<string, unknown>; error?: TemplateProblem } {
  if (source.trim() === '') return { context: {} };
  try {
    const value = JSON.parse(source) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { context: {}, error: { field: 'context', message: 'The sample context must be a JSON object, e.g. {"name": "Ada"}.' } };
    }
    return { context: value as Record<string, unknown> };
  } catch (error) {
    const offset = jsonErrorOffset(source);
    const message = `Not valid JSON${offset >= source.length ? ': it ends too soon' : ''}.`;
    if (offset < 0) return { context: {}, error: { field: 'context', message: (error as Error).message } };
    const before = source.slice(0, offset).split('\n');
    const line = before.length;
    const col = before.at(-1)!.length + 1;
    return { context: {}, error: { field: 'context', line, col, message, excerpt: excerpt(source, line, col) } };
  }
}

export async function checkTemplate(draft: TemplateDraft, imagesDir: string | undefined): Promise<TemplateCheck> {
  const errors: TemplateProblem[] = [];
  const { context, error } = parseContext(draft.context);
  if (error) errors.push(error);
  const collector: InlineImageCollector = { images: [], directory: imagesDir };
  const render = async (engine: Liquid, field: TemplateField, source: string): Promise<string> => {
    if (source === '') return '';
    try {
      return String(await engine.parseAndRender(source, context, { globals: { [INLINE_IMAGE_GLOBAL]: collector } }));
    } catch (err) {
      errors.push(problem(field, source, err));
      return '';
    }
  };
  const [subject, body, html] = [
    await render(text, 'subject', draft.subject),
    await render(text, 'content', draft.content),
    await render(htmlEngine, 'html', draft.html),
  ];
  const inlineImages = new Map(
    collector.images.map((image) => [image.contentId, `data:${image.mimetype};base64,${Buffer.from(image.content).toString('base64')}`]),
  );
  return { errors, subject, text: body, html, inlineImages };
}
