import { AnymailUnsupportedFeature } from '@anymail/core';
import { describe, expect, it } from 'vitest';
import { buildForm, expectSpecFields } from './support/mailgun-form.js';

const to = ['alice@example.com', 'Bob <bob@example.com>'];

describe('Mailgun batch sending (recipient-variables)', () => {
  it('sends mergeData with mergeGlobalData as defaults in recipient-variables, one entry per to', async () => {
    const form = await buildForm({
      to,
      mergeData: { 'alice@example.com': { name: 'Alice' } },
      mergeGlobalData: { name: 'friend', site: 'Example' },
    });
    expect(form.json('recipient-variables')).toEqual({
      'alice@example.com': { name: 'Alice', site: 'Example' },
      'bob@example.com': { name: 'friend', site: 'Example' },
    });
    expect(form.fields.some(([name]) => name.startsWith('v:'))).toBe(false);
    expectSpecFields(form);
  });

  it('matches merge entries to addresses case-insensitively', async () => {
    const form = await buildForm({ to: ['Alice@Example.com'], mergeData: { 'alice@example.com': { name: 'Alice' } } });
    expect(form.json('recipient-variables')).toEqual({ 'Alice@Example.com': { name: 'Alice' } });
  });

  it('is a batch send even when mergeData is empty', async () => {
    const form = await buildForm({ to, mergeData: {} });
    expect(form.json('recipient-variables')).toEqual({ 'alice@example.com': {}, 'bob@example.com': {} });
  });

  it('is not a batch send without merge features', async () => {
    const form = await buildForm({ to });
    expect(form.get('recipient-variables')).toBeUndefined();
  });

  it('keeps cc and bcc in a batch send (Mailgun copies them on each message)', async () => {
    const form = await buildForm({ to, cc: ['cc@example.com'], bcc: ['bcc@example.com'], mergeData: {} });
    expect(form.getAll('cc')).toEqual(['cc@example.com']);
    expect(form.getAll('bcc')).toEqual(['bcc@example.com']);
    expect(Object.keys(form.json('recipient-variables') as object)).toEqual(['alice@example.com', 'bob@example.com']);
  });

  it('with a stored template, passes merge data through v: = %recipient.…% and global data as v:', async () => {
    const form = await buildForm({
      to,
      body: '',
      templateId: 'welcome',
      mergeData: { 'alice@example.com': { name: 'Alice' }, 'bob@example.com': { name: 'Bob', code: 7 } },
      mergeGlobalData: { code: 0, site: 'Example' },
    });
    expect(form.get('v:site')).toBe('Example');
    expect(form.get('v:name')).toBe('%recipient.name%');
    expect(form.get('v:code')).toBe('%recipient.code%');
    expect(form.json('recipient-variables')).toEqual({
      'alice@example.com': { name: 'Alice', code: 0 },
      'bob@example.com': { name: 'Bob', code: 7 },
    });
    expectSpecFields(form);
  });

  it('sends mergeGlobalData alone with a template as v: fields, without batch', async () => {
    const form = await buildForm({ body: '', templateId: 'welcome', mergeGlobalData: { site: 'Example', n: 2 } });
    expect(form.get('v:site')).toBe('Example');
    expect(form.get('v:n')).toBe('2');
    expect(form.get('recipient-variables')).toBeUndefined();
  });

  it('raises AnymailUnsupportedFeature for mergeGlobalData without a template or batch', async () => {
    const error = await buildForm({ mergeGlobalData: { site: 'Example' } }).catch((e: unknown) => e);
    expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
    expect((error as AnymailUnsupportedFeature).feature).toBe('mergeGlobalData');
    const lenient = await buildForm({ mergeGlobalData: { site: 'Example' } }, { ignoreUnsupportedFeatures: true });
    expect(lenient.fields.some(([name]) => name.startsWith('v:'))).toBe(false);
  });

  it('sends mergeMetadata as v: = %recipient.anymail_metadata_…% with metadata as the default', async () => {
    const form = await buildForm({
      to,
      metadata: { order: 'none', campaign: 'spring' },
      mergeMetadata: { 'alice@example.com': { order: '1' } },
    });
    expect(form.get('v:campaign')).toBe('spring');
    expect(form.get('v:order')).toBe('%recipient.anymail_metadata_order%');
    expect(form.json('recipient-variables')).toEqual({
      'alice@example.com': { anymail_metadata_order: '1' },
      'bob@example.com': { anymail_metadata_order: 'none' },
    });
    expectSpecFields(form);
  });

  it('keeps merge data and merge metadata with the same name apart', async () => {
    const form = await buildForm({
      to: ['alice@example.com'],
      mergeData: { 'alice@example.com': { order: 'data' } },
      mergeMetadata: { 'alice@example.com': { order: 'meta' } },
    });
    expect(form.json('recipient-variables')).toEqual({ 'alice@example.com': { order: 'data', anymail_metadata_order: 'meta' } });
  });

  it('sends mergeHeaders as h: = %recipient.anymail_header_…% with message headers as the default', async () => {
    const form = await buildForm({
      to,
      headers: { 'X-Order': 'default', 'X-Fixed': 'same' },
      mergeHeaders: { 'alice@example.com': { 'x-order': 'A1' }, 'bob@example.com': { 'List-Unsubscribe': '<https://u.example/bob>' } },
    });
    expect(form.get('h:X-Fixed')).toBe('same');
    expect(form.getAll('h:X-Order')).toEqual(['%recipient.anymail_header_x-order%']);
    expect(form.get('h:x-order')).toBeUndefined();
    expect(form.get('h:List-Unsubscribe')).toBe('%recipient.anymail_header_list-unsubscribe%');
    expect(form.json('recipient-variables')).toEqual({
      'alice@example.com': { 'anymail_header_x-order': 'A1', 'anymail_header_list-unsubscribe': '' },
      'bob@example.com': { 'anymail_header_x-order': 'default', 'anymail_header_list-unsubscribe': '<https://u.example/bob>' },
    });
    expectSpecFields(form);
  });

  it('refuses metadata named like a template variable (both are v: fields)', async () => {
    const error = await buildForm({ templateId: 't', mergeGlobalData: { site: 'x' }, metadata: { site: 'y' } }).catch((e: unknown) => e);
    expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('v:site');
  });
});
