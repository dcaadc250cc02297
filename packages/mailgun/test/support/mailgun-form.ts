// Helpers for payload tests: the request MailgunBackend builds for a message (previewRequest), its form read back.
import { readFileSync } from 'node:fs';
import { EmailMessage, type EmailMessageInit, type EspRequest } from '@anymail/core';
import { expect } from 'vitest';
import { MailgunBackend } from '../../src/index.js';
import type { MailgunRequestContext } from '../../src/mailgun-payload.js';

const spec = JSON.parse(readFileSync(new URL('../fixtures/responses/mailgun-messages-request-fields.json', import.meta.url), 'utf8')) as {
  properties: string[];
  required: string[];
};

export interface BuiltForm {
  request: EspRequest<MailgunRequestContext>;
  context: MailgunRequestContext;
  fields: Array<[string, string]>;
  files: Array<{ field: string; filename: string; type: string; text: string; bytes: Uint8Array }>;
  get(name: string): string | undefined;
  getAll(name: string): string[];
  json(name: string): unknown;
}

export const AUTH = `Basic ${Buffer.from('api:key-test').toString('base64')}`;

/** Build the request for a message as MailgunBackend would, and parse its body as a form. */
export async function buildForm(
  init: EmailMessageInit & { setup?: (message: EmailMessage) => void },
  options: { senderDomain?: string; ignoreUnsupportedFeatures?: boolean } = {},
): Promise<BuiltForm> {
  const { setup, ...rest } = init;
  const message = new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'Subject', body: 'Body', ...rest });
  setup?.(message);
  const backend = new MailgunBackend({ apiKey: 'key-test', senderDomain: options.senderDomain, ignoreUnsupportedFeatures: options.ignoreUnsupportedFeatures });
  const request = await backend.previewRequest(message);
  const form = await new Response(request.body as ConstructorParameters<typeof Response>[0], { headers: { 'content-type': request.headers['content-type']! } }).formData();
  const fields: BuiltForm['fields'] = [];
  const files: BuiltForm['files'] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') fields.push([name, value]);
    else {
      const bytes = new Uint8Array(await value.arrayBuffer());
      files.push({ field: name, filename: value.name, type: value.type, text: Buffer.from(bytes).toString('utf8'), bytes });
    }
  }
  const getAll = (name: string) => fields.filter(([key]) => key === name).map(([, value]) => value);
  return {
    request,
    context: request.context,
    fields,
    files,
    getAll,
    get: (name) => getAll(name)[0],
    json: (name) => JSON.parse(getAll(name)[0] ?? 'null'),
  };
}

/** Every field name must be a property of the spec's request schema (h:/v: as prefixes). */
export function expectSpecFields(form: BuiltForm): void {
  const names = [...form.fields.map(([name]) => name), ...form.files.map((file) => file.field)];
  for (const name of names) {
    const known = spec.properties.includes(name) || /^h:./.test(name) || /^v:./.test(name);
    expect(known, `field ${name} is not in Mailgun's request schema`).toBe(true);
  }
  for (const name of spec.required) {
    if (name !== 'subject' || form.get('template') === undefined) expect(names, `required field ${name}`).toContain(name);
  }
}
