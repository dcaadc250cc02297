// Checks request bodies against SparkPost's Transmissions API as its API Blueprint describes it
// (test/fixtures/transmissions.apib). The blueprint is prose plus MSON attribute lists, not a
// machine-readable schema, so the schema below is written from those lists, strict (an unknown or
// misspelt field is refused), and sparkpost-schema.test.ts checks it accepts every request example
// the blueprint gives.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { z } from 'zod';

const fromSchema = z.union([z.string().min(1), z.strictObject({ email: z.string().min(1), name: z.string().optional() })]);
const fileSchema = z.strictObject({
  name: z.string().refine((name) => Buffer.byteLength(name) <= 255, 'name is at most 255 bytes'),
  type: z.string().min(1),
  data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'data must be base64 without line breaks'),
});
const email = z.string().regex(/^[^@\s]+@[^@\s]+$/, 'not an email address');

/** Recipient object (recipient-lists API, linked from the transmissions request body). */
const recipientSchema = z.strictObject({
  address: z.union([email, z.strictObject({ email, name: z.string().optional(), header_to: z.string().optional() })]),
  return_path: z.string().optional(),
  tags: z.array(z.string()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  substitution_data: z.record(z.string(), z.unknown()).optional(),
});

/** Headers SparkPost generates itself: "not allowed" / "should not be specified" (Header Notes). */
const GENERATED_HEADERS = new Set(['to', 'content-type', 'content-transfer-encoding', 'subject', 'from', 'reply-to']);

const inlineContentSchema = z.strictObject({
  from: fromSchema,
  subject: z.string(),
  html: z.string().optional(),
  text: z.string().optional(),
  amp_html: z.string().optional(),
  reply_to: z.string().optional(),
  headers: z
    .record(z.string(), z.string())
    .refine((headers) => Object.keys(headers).every((name) => !GENERATED_HEADERS.has(name.toLowerCase())), {
      message: 'content.headers may not set To, Content-Type, Content-Transfer-Encoding, Subject, From or Reply-To',
    })
    .optional(),
  attachments: z.array(fileSchema).optional(),
  inline_images: z.array(fileSchema).optional(),
}).refine((content) => content.html !== undefined || content.text !== undefined, 'inline content needs html or text');

const templateContentSchema = z.strictObject({ template_id: z.string().min(1), use_draft_template: z.boolean().optional() });
const abTestContentSchema = z.strictObject({ ab_test_id: z.string().min(1) });
const rfc822ContentSchema = z.strictObject({ email_rfc822: z.string().min(1) });

export const transmissionSchema = z.strictObject({
  options: z
    .strictObject({
      start_time: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$/, 'start_time is YYYY-MM-DDTHH:MM:SS+-HH:MM'),
      open_tracking: z.boolean(),
      initial_open: z.boolean(),
      click_tracking: z.boolean(),
      transactional: z.boolean(),
      sandbox: z.boolean(),
      skip_suppression: z.boolean(),
      ip_pool: z.string(),
      inline_css: z.boolean(),
      perform_substitutions: z.boolean(),
      dkim_key: z.string(),
    })
    .partial()
    .optional(),
  override: z.strictObject({ from: fromSchema, reply_to: z.string(), list_id: z.string() }).partial().optional(),
  recipients: z.union([z.array(recipientSchema).min(1), z.strictObject({ list_id: z.string().min(1) })]),
  content: z.union([inlineContentSchema, templateContentSchema, abTestContentSchema, rfc822ContentSchema]),
  campaign_id: z.string().refine((value) => Buffer.byteLength(value) <= 64, 'campaign_id is at most 64 bytes').optional(),
  description: z.string().refine((value) => Buffer.byteLength(value) <= 1024, 'description is at most 1024 bytes').optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  substitution_data: z.record(z.string(), z.unknown()).optional(),
  return_path: z.string().optional(),
  tracking_domain: z.string().optional(),
  // Not in the request-body attribute list, but in the blueprint's own scheduling example (an older
  // field, shown in the GET answer of a scheduled transmission). Anymail never sends it.
  name: z.string().optional(),
});

/** What is wrong with a transmission body ([] when it is valid). */
export function transmissionProblems(body: unknown): string[] {
  const parsed = transmissionSchema.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
}

export function expectValidTransmission(body: unknown): void {
  expect(transmissionProblems(body)).toEqual([]);
}

const BLUEPRINT = new URL('../fixtures/transmissions.apib', import.meta.url);

/**
 * The JSON bodies of the blueprint's `+ Request` / `+ Response` sections, keyed by section
 * heading. The blueprint's own examples are hand-written: one has a trailing comma, removed here.
 */
export function blueprintExamples(kind: 'Request' | 'Response'): { section: string; body: unknown }[] {
  const lines = readFileSync(BLUEPRINT, 'utf8').split('\n');
  const examples: { section: string; body: unknown }[] = [];
  let section = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^#{2,3} /.test(line)) section = line.replace(/^#+ /, '');
    if (!line.startsWith(`+ ${kind}`)) continue;
    // The JSON is the next indented block starting with "{" (after "+ Body" for requests).
    let start = index + 1;
    while (start < lines.length && !/^\s+\{\s*$/.test(lines[start]!) && !lines[start]!.startsWith('+ ')) start++;
    if (start >= lines.length || lines[start]!.startsWith('+ ')) continue;
    const indent = /^(\s*)/.exec(lines[start]!)![1]!;
    let end = start + 1;
    while (end < lines.length && lines[end] !== `${indent}}`) end++;
    const text = lines.slice(start, end + 1).join('\n').replace(/,(\s*[}\]])/g, '$1');
    examples.push({ section, body: JSON.parse(text) as unknown });
    index = end;
  }
  return examples;
}
