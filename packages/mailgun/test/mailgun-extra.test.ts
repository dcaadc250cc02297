import { AnymailConfigurationError, AnymailUnsupportedFeature } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { buildForm, expectSpecFields } from './support/mailgun-form.js';

describe('Mailgun espExtra', () => {
  it('merges typed Mailgun fields into the form, replacing what Anymail set', async () => {
    const form = await buildForm({
      trackClicks: true,
      tags: ['a'],
      templateId: 'tpl',
      espExtra: { 'o:testmode': 'yes', 'o:tracking-clicks': 'htmlonly', 'o:tag': ['x', 'y'], 't:variables': { a: 1 }, 't:version': 'v2' },
    });
    expect(form.get('o:testmode')).toBe('yes');
    expect(form.getAll('o:tracking-clicks')).toEqual(['htmlonly']);
    expect(form.getAll('o:tag')).toEqual(['x', 'y']);
    expect(form.get('t:variables')).toBe('{"a":1}');
    expect(form.get('t:version')).toBe('v2');
    expectSpecFields(form);
  });

  it('takes h: and v: fields; an h: field replaces a header of the same name in any case', async () => {
    const form = await buildForm({ headers: { 'X-Thing': 'old' }, espExtra: { 'h:x-thing': 'new', 'v:extra': { deep: true } } });
    expect(form.get('h:X-Thing')).toBeUndefined();
    expect(form.get('h:x-thing')).toBe('new');
    expect(form.get('v:extra')).toBe('{"deep":true}');
  });

  it('passes other o: options through as strings', async () => {
    const form = await buildForm({ espExtra: { 'o:future-option': 'on' } });
    expect(form.get('o:future-option')).toBe('on');
  });

  // Core's one espExtra policy (issue #15): AnymailUnsupportedFeature (feature espExtra), was AnymailSerializationError.
  it('rejects an unknown key, naming it and the closest valid one', async () => {
    const error = await buildForm({ espExtra: { tracking: true } }).catch((e: unknown) => e);
    expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
    expect((error as AnymailUnsupportedFeature).feature).toBe('espExtra');
    expect((error as Error).message).toContain('unknown field "tracking" (did you mean "o:tracking"?)');
    expect((error as Error).message).toContain("t:variables, 'h:<Header>', 'v:<variable>', other 'o:<option>' and 't:<option>' fields");
  });

  it('rejects a value outside the spec enum', async () => {
    const error = await buildForm({ espExtra: { 'o:tracking-opens': 'htmlonly' } }).catch((e: unknown) => e);
    expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('o:tracking-opens');
  });

  it('rejects h:, v:, o: and t: fields of the wrong type, naming each', async () => {
    const error = await buildForm({ espExtra: { 'h:X-A': 1, 'v:big': 10n, 'o:future': { a: 1 }, 't:other': 2 } }).catch((e: unknown) => e);
    expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
    const text = (error as Error).message;
    expect(text).toContain('h:X-A: must be a string header value');
    expect(text).toContain('v:big: must be JSON-serializable');
    expect(text).toContain('o:future: must be a string');
    expect(text).toContain('t:other: must be a string');
  });

  it('with ignoreUnsupportedFeatures, drops the invalid fields and keeps the valid ones', async () => {
    const form = await buildForm(
      { espExtra: { tracking: true, 'o:tracking-opens': 'htmlonly', 'h:X-Bad': 1, 'h:X-Good': 'ok', 'v:n': 2, 'o:testmode': 'yes', senderDomain: 'mg.kept.example' } },
      { ignoreUnsupportedFeatures: true },
    );
    expect(form.get('h:X-Good')).toBe('ok');
    expect(form.get('v:n')).toBe('2');
    expect(form.get('o:testmode')).toBe('yes');
    expect(form.request.path).toBe('mg.kept.example/messages');
    expect(form.fields.filter(([name]) => ['tracking', 'o:tracking-opens', 'h:X-Bad'].includes(name))).toEqual([]);
  });

  it('still refuses a header injection under ignoreUnsupportedFeatures', async () => {
    const error = await buildForm({ espExtra: { 'h:X-Note': 'a\r\nBcc: x@attacker.test' } }, { ignoreUnsupportedFeatures: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('h:X-Note');
  });
});

describe('Mailgun sender domain', () => {
  it('uses the first from address domain by default', async () => {
    expect((await buildForm({ from: 'a@mg.example.org, b@other.example' })).request.path).toBe('mg.example.org/messages');
  });

  it('prefers the senderDomain option over the from domain', async () => {
    expect((await buildForm({}, { senderDomain: 'mg.option.example' })).request.path).toBe('mg.option.example/messages');
  });

  it("prefers the envelopeSender's domain over the option", async () => {
    const form = await buildForm({ envelopeSender: 'bounces@mg.envelope.example' }, { senderDomain: 'mg.option.example' });
    expect(form.request.path).toBe('mg.envelope.example/messages');
    expect(form.fields.some(([name]) => name.includes('bounces'))).toBe(false);
  });

  it('prefers espExtra.senderDomain over everything, and does not send it as a field', async () => {
    const form = await buildForm(
      { envelopeSender: 'bounces@mg.envelope.example', espExtra: { senderDomain: 'mg.extra.example' } },
      { senderDomain: 'mg.option.example' },
    );
    expect(form.request.path).toBe('mg.extra.example/messages');
    expect(form.get('senderDomain')).toBeUndefined();
    expect(form.context.senderDomain).toBe('mg.extra.example');
  });

  it('sends an internationalized domain as punycode', async () => {
    expect((await buildForm({ from: 'a@bücher.example' })).request.path).toBe('xn--bcher-kva.example/messages');
  });

  it('rejects a domain with a slash', async () => {
    const error = await buildForm({ espExtra: { senderDomain: 'example.com/v3' } }).catch((e: unknown) => e);
    expect(AnymailConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('espExtra.senderDomain');
  });

  it('raises a clear error when there is no domain at all', async () => {
    const error = await buildForm({ from: '' }).catch((e: unknown) => e);
    expect(AnymailConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/sender domain.*senderDomain option/);
  });
});
