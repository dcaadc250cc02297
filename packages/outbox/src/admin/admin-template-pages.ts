/**
 * Templates and their translations: the list, a new template or translation, and the editor
 * with a live preview from a sample JSON context. A template with errors is not saved: the
 * editor shows each error at its line instead.
 */
import { AnymailConfigurationError } from '@anymail/core';
import { page, redirect, type AdminRequest } from './admin-app.js';
import { csrfField, html, layout, raw, securityHeaders, PAGE_CSP, type SafeHtml } from './admin-html.js';
import { previewResponse } from './admin-mail-pages.js';
import { sanitizeMailHtml } from './admin-sanitize.js';
import { checkTemplate, type TemplateDraft, type TemplateProblem } from './admin-template-check.js';
import type { OutboxTemplate } from '../outbox-templates.js';

const LANGUAGE = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/;

function draftFrom(form: URLSearchParams): TemplateDraft {
  return { subject: form.get('subject') ?? '', content: form.get('content') ?? '', html: form.get('html') ?? '', context: form.get('context') ?? '' };
}

async function listPage(ctx: AdminRequest, flash?: { ok: boolean; message: string }, status = 200): Promise<Response> {
  const templates = await ctx.outbox.templates.list();
  const defaults = templates.filter((t) => t.language === '');
  const translations = (t: OutboxTemplate) => templates.filter((x) => x.defaultTemplateId === t.id || (x.language !== '' && x.defaultTemplateId === null && x.name === t.name));
  const rows = defaults.map(
    (t) => html`<tr><td><a href="${ctx.base}/templates/${t.id}">${t.name}</a></td><td>${t.description}</td>
<td>${translations(t).map((x) => html`<a href="${ctx.base}/templates/${x.id}" class="translation">${x.language}</a> `)}</td>
<td><form method="post" action="${ctx.base}/templates">${csrfField(ctx.csrf)}<input type="hidden" name="name" value="${t.name}">
<input name="language" size="6" placeholder="fr" aria-label="Language for a new translation of ${t.name}" required> <button>Add translation</button></form></td></tr>`,
  );
  const body = html`<table id="template-list"><thead><tr><th>Name</th><th>Description</th><th>Translations</th><th></th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="4" class="empty">No templates yet.</td></tr>`}</tbody></table>
<h2>New template</h2><form method="post" action="${ctx.base}/templates" class="filters">${csrfField(ctx.csrf)}
<label>Name <input name="name" required maxlength="255"></label><label>Description <input name="description" maxlength="1000"></label><button>Create</button></form>`;
  return page(status, layout({ base: ctx.base, title: 'Templates', who: ctx.principal.who, csrf: ctx.csrf, flash, active: 'templates' }, body));
}

async function create(ctx: AdminRequest): Promise<Response> {
  const name = (ctx.form.get('name') ?? '').trim();
  const language = (ctx.form.get('language') ?? '').trim();
  if (!name || name.length > 255) return listPage(ctx, { ok: false, message: 'A template needs a name (up to 255 characters).' }, 400);
  if (language && !LANGUAGE.test(language)) return listPage(ctx, { ok: false, message: `'${language}' is not a language code (like fr or pt-BR).` }, 400);
  try {
    const base = language ? await ctx.outbox.templates.get(name) : undefined;
    const created = await ctx.outbox.templates.create({
      name,
      description: ctx.form.get('description') ?? base?.description ?? '',
      ...(base ? { subject: base.subject, content: base.content, htmlContent: base.htmlContent, language, defaultTemplate: base } : {}),
    });
    ctx.log(language ? 'create translation' : 'create template', `template #${created.id} ${name}${language ? ` (${language})` : ''}`, true);
    return redirect(`${ctx.base}/templates/${created.id}?done=created`);
  } catch (error) {
    const message = AnymailConfigurationError.isInstance(error) ? error.message : `Template '${name}'${language ? ` (${language})` : ''} could not be created: it may exist already.`;
    ctx.log('create template', name, false, message);
    return listPage(ctx, { ok: false, message }, 409);
  }
}

function fieldErrors(errors: readonly TemplateProblem[], field: TemplateProblem['field']): SafeHtml {
  const mine = errors.filter((e) => e.field === field);
  const text = mine.map((e) => `${e.line ? `Line ${e.line}${e.col ? `, column ${e.col}` : ''}: ` : ''}${e.message}${e.excerpt ? `\n${e.excerpt}` : ''}`).join('\n');
  return html`<div class="field-error" id="error-${field}" data-line="${mine[0]?.line ?? ''}"${raw(mine.length ? '' : ' hidden')}>${text}</div>`;
}

function editor(ctx: AdminRequest, template: OutboxTemplate, draft: TemplateDraft, description: string, errors: readonly TemplateProblem[], flash?: { ok: boolean; message: string }, status = 200): Response {
  const action = `${ctx.base}/templates/${template.id}`;
  const area = (field: 'subject' | 'content' | 'html' | 'context', label: string, value: string, rows: number) =>
    html`<label for="field-${field}">${label}</label><textarea id="field-${field}" name="${field}" rows="${rows}" spellcheck="false"${raw(errors.some((e) => e.field === field) ? ' class="has-error"' : '')}>${value}</textarea>${fieldErrors(errors, field)}`;
  const body = html`<form method="post" action="${action}" id="template-form" data-check="${action}/check">${csrfField(ctx.csrf)}
<div class="editor"><div>
<p>Language: <b>${template.language || 'default'}</b>${template.defaultTemplateId !== null ? html` · translation of <a href="${ctx.base}/templates/${template.defaultTemplateId}">#${template.defaultTemplateId}</a>` : ''}</p>
<label for="field-description">Description</label><input id="field-description" name="description" value="${description}" maxlength="1000">
${area('subject', 'Subject', draft.subject, 2)}${area('content', 'Text (Liquid)', draft.content, 8)}${area('html', 'HTML (Liquid, autoescaped)', draft.html, 12)}
${area('context', 'Sample context (JSON, not saved)', draft.context, 5)}
<div class="actions"><button type="submit" id="save-button">Save</button>
<button type="submit" id="preview-button" formaction="${action}/preview" formtarget="template-preview">Preview</button> <span id="check-status"></span></div>
</div><div>
<h2>Preview</h2><p>Subject: <b id="preview-subject"></b></p><pre class="text" id="preview-text"></pre>
<iframe class="preview" name="template-preview" id="template-preview" title="Template preview" sandbox="" referrerpolicy="no-referrer"></iframe>
</div></div></form>
<h2>Send a test</h2><form method="post" action="${action}/send" class="filters" id="send-test">${csrfField(ctx.csrf)}
<label>To <input name="to" type="email" required placeholder="you@example.com"></label>
<label>Context (JSON) <input name="context" value="${draft.context}" size="40"></label>
<button type="submit" id="send-test-button">Queue a test mail with the saved template</button></form>`;
  const title = `Template ${template.name}${template.language ? ` (${template.language})` : ''}`;
  return page(status, layout({ base: ctx.base, title, who: ctx.principal.who, csrf: ctx.csrf, flash, active: 'templates' }, body));
}

async function save(ctx: AdminRequest, template: OutboxTemplate): Promise<Response> {
  const draft = draftFrom(ctx.form);
  const description = ctx.form.get('description') ?? template.description;
  const check = await checkTemplate({ ...draft, context: '' }, ctx.outbox.settings.templateImagesDir);
  // Unknown variables render empty, so only the template's own errors block a save.
  const errors = check.errors.filter((e) => e.field !== 'context');
  if (errors.length) {
    ctx.log('save template', `template #${template.id}`, false, `${errors.length} template error(s)`);
    return editor(ctx, template, draft, description, errors, { ok: false, message: 'Not saved: fix the errors shown at their lines.' }, 422);
  }
  await ctx.outbox.templates.update(template.id, { description, subject: draft.subject, content: draft.content, htmlContent: draft.html });
  ctx.log('save template', `template #${template.id} ${template.name}${template.language ? ` (${template.language})` : ''}`, true);
  return redirect(`${ctx.base}/templates/${template.id}?done=saved`);
}

/** Queue a mail with the saved template (its language), to see it as a recipient will. */
async function sendTest(ctx: AdminRequest, template: OutboxTemplate): Promise<Response> {
  const to = (ctx.form.get('to') ?? '').trim();
  const draft = { subject: template.subject, content: template.content, html: template.htmlContent, context: ctx.form.get('context') ?? '{}' };
  const check = await checkTemplate({ ...draft, subject: '', content: '', html: '' }, undefined);
  const fail = (message: string) => {
    ctx.log('send test', `template #${template.id}`, false, message);
    return editor(ctx, template, draft, template.description, check.errors, { ok: false, message }, 400);
  };
  if (check.errors.length) return fail('Not sent: the context is not a JSON object.');
  try {
    const mail = await ctx.outbox.send({
      recipients: to,
      template: template.name,
      ...(template.language ? { language: template.language } : {}),
      context: JSON.parse(draft.context.trim() || '{}') as Record<string, unknown>,
      headers: { 'X-Outbox-Admin-Test': ctx.principal.who.replace(/[^\w.@:-]/g, '_') },
    });
    ctx.log('send test', `template #${template.id} as mail #${mail.id} to ${to}`, true);
    return redirect(`${ctx.base}/mail/${mail.id}?done=test`);
  } catch (error) {
    return fail(`Not sent: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function handleTemplates(ctx: AdminRequest): Promise<Response | undefined> {
  const isWrite = ctx.request.method !== 'GET' && ctx.request.method !== 'HEAD';
  if (ctx.path === '/templates') return isWrite ? create(ctx) : listPage(ctx);
  const match = /^\/templates\/(\d{1,15})(?:\/(check|preview|send))?$/.exec(ctx.path);
  if (!match) return undefined;
  const template = await ctx.outbox.templates.getById(Number(match[1])).catch(() => undefined);
  if (!template) return undefined;
  const sub = match[2];
  if (!isWrite) {
    if (sub) return undefined;
    const done = ctx.url.searchParams.get('done');
    const flash = done === 'saved' ? { ok: true, message: 'Saved.' } : done === 'created' ? { ok: true, message: 'Created.' } : undefined;
    const draft = { subject: template.subject, content: template.content, html: template.htmlContent, context: '{}' };
    return editor(ctx, template, draft, template.description, [], flash);
  }
  if (sub === undefined) return save(ctx, template);
  if (sub === 'send') return sendTest(ctx, template);
  const check = await checkTemplate(draftFrom(ctx.form), ctx.outbox.settings.templateImagesDir);
  if (sub === 'preview') return previewResponse(sanitizeMailHtml(check.html, check.inlineImages));
  const json = JSON.stringify({ errors: check.errors, subject: check.subject, text: check.text });
  return new Response(json, { headers: securityHeaders(PAGE_CSP, { 'content-type': 'application/json; charset=utf-8' }) });
}
